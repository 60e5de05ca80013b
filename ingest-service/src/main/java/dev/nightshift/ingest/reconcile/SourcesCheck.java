package dev.nightshift.ingest.reconcile;

import java.util.List;
import java.util.Optional;

import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.WebhookSource;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Refuses to start when a worker's source has no way in: its webhook off and no poller. Polling alone is
 * enough (a laptop with no public URL).
 */
@Component
class SourcesCheck implements InitializingBean {

    private final WorkerCatalogue catalogue;
    private final List<WebhookSource> sources;
    private final List<Poller> pollers;

    SourcesCheck(WorkerCatalogue catalogue, List<WebhookSource> sources, List<Poller> pollers) {
        this.catalogue = catalogue;
        this.sources = sources;
        this.pollers = pollers;
    }

    @Override
    public void afterPropertiesSet() {
        for (Worker worker : catalogue.workers()) {
            String source = worker.trigger().source();
            boolean polled = pollers.stream().anyMatch(p -> p.source().equals(source) && p.interval().isPresent());
            Optional<String> webhookOff = sources.stream().filter(s -> s.name().equals(source)).findFirst()
                    .flatMap(WebhookSource::disabledBecause);
            if (!polled && webhookOff.isPresent()) {
                throw new IllegalStateException("worker " + worker.name() + " is started by " + source
                        + ", whose webhook is off (" + webhookOff.get() + ") and which is not polled (nightshift.ingest."
                        + source + ".poll-interval)");
            }
        }
    }
}
