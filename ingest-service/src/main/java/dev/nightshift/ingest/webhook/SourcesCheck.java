package dev.nightshift.ingest.webhook;

import java.util.List;

import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/** Refuses to start when a worker waits on a source whose webhook is off: it would never run. */
@Component
class SourcesCheck implements InitializingBean {

    private final WorkerCatalogue catalogue;
    private final List<WebhookSource> sources;

    SourcesCheck(WorkerCatalogue catalogue, List<WebhookSource> sources) {
        this.catalogue = catalogue;
        this.sources = sources;
    }

    @Override
    public void afterPropertiesSet() {
        for (Worker worker : catalogue.workers()) {
            String source = worker.trigger().source();
            sources.stream().filter(s -> s.name().equals(source)).findFirst()
                    .flatMap(WebhookSource::disabledBecause)
                    .ifPresent(why -> {
                        throw new IllegalStateException("worker " + worker.name() + " is started by " + source
                                + " webhooks, which are off: " + why);
                    });
        }
    }
}
