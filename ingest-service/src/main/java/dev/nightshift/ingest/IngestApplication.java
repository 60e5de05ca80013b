package dev.nightshift.ingest;

import dev.nightshift.events.TrustedEvents;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class IngestApplication {

    static {
        TrustedEvents.trust();
    }

    /** Each service reads its own {@code ingest.yml}, so all three can share one JVM in standalone mode. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(IngestApplication.class).properties("spring.config.name=ingest");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
