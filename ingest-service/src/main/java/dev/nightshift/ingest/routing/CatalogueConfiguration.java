package dev.nightshift.ingest.routing;

import dev.nightshift.ingest.IngestProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class CatalogueConfiguration {

    /** Loaded once at start-up: a bad catalogue stops the service with a message naming the worker and field. */
    @Bean
    WorkerCatalogue workerCatalogue(IngestProperties properties) {
        return WorkerCatalogue.load(properties.workersFile());
    }
}
