package dev.nightshift.ingest.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.concurrent.ScheduledFuture;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.ingest.ledger.LedgerLookup;
import dev.nightshift.ingest.limit.RunLimiter;
import dev.nightshift.ingest.publish.TaskPublisher;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Polls every source that has an interval and publishes what it finds through the same path as the webhooks:
 * a version dispatch has on its ledger (or this replica published lately) is a duplicate, one a webhook lost is
 * published now (should a webhook have published it a moment ago, dispatch runs it once all the same). A poll
 * that fails is tried again after a growing delay (spring-core's {@link ExponentialBackOff}, up to eight
 * intervals), with the reason logged.
 */
@Component
public class Reconciliation implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Reconciliation.class);

    private final List<Poller> pollers;
    private final RunLimiter publisher;
    private final LedgerLookup ledger;
    private final MeterRegistry meters;
    private final SimpleAsyncTaskScheduler scheduler = new SimpleAsyncTaskScheduler();
    private final Map<String, ScheduledFuture<?>> next = new ConcurrentHashMap<>();
    private volatile boolean running;

    public Reconciliation(List<Poller> pollers, RunLimiter publisher, LedgerLookup ledger, MeterRegistry meters) {
        this.pollers = pollers;
        this.publisher = publisher;
        this.ledger = ledger;
        this.meters = meters;
        for (Poller poller : pollers) {
            if (poller.interval().isPresent()) {
                poller.misconfigured().ifPresent(why -> {
                    throw new IllegalStateException("polling " + poller.source() + " is on (nightshift.ingest." + poller.source()
                            + ".poll-interval) but cannot work: " + why);
                });
            }
        }
        scheduler.setVirtualThreads(true);
        scheduler.setThreadNamePrefix("ingest-poll-");
    }

    @Override
    public void start() {
        running = true;
        for (Poller poller : pollers) {
            poller.interval().ifPresent(interval -> {
                log.info("reconciling {} every {}", poller.source(), interval);
                schedule(poller, Duration.ZERO, null);
            });
        }
    }

    private void schedule(Poller poller, Duration delay, BackOffExecution failures) {
        if (running) {
            next.put(poller.source(), scheduler.schedule(() -> poll(poller, failures), Instant.now().plus(delay)));
        }
    }

    private void poll(Poller poller, BackOffExecution failures) {
        Duration interval = poller.interval().orElseThrow();
        try {
            List<Poller.Found> open = poller.openRequests();
            // what dispatch has taken up already, read in one pass over the ledger partitions concerned
            Set<String> taken = ledger.taken(open.stream().collect(Collectors.toMap(
                    f -> TaskPublisher.publicationKey(f.event()), f -> f.event().getTaskKey(), (a, b) -> a)));
            int published = 0;
            int capped = 0;
            for (Poller.Found found : open) {
                if (!running) {
                    return;
                }
                TaskEvent event = found.event();
                if (taken.contains(TaskPublisher.publicationKey(event))) {
                    continue;
                }
                switch (publisher.publish(poller.source(), event, found.worker(), found.author())) {
                    case RunLimiter.Result.Published p -> {
                        published++;
                        log.info("reconciled {}: published {}, which no webhook had", poller.source(), TaskPublisher.publicationKey(event));
                    }
                    case RunLimiter.Result.Capped c -> capped++;
                    case RunLimiter.Result.Duplicate d -> { }
                }
            }
            count(poller, "published", published);
            count(poller, "capped", capped);
            count(poller, "duplicate", open.size() - published - capped);
            schedule(poller, interval, null);
        } catch (RuntimeException e) {
            count(poller, "failed", 1);
            BackOffExecution backOff = failures != null ? failures : backOff(interval).start();
            Duration wait = Duration.ofMillis(backOff.nextBackOff());
            log.warn("polling {} failed, trying again in {}: {}", poller.source(), wait, e.getMessage());
            schedule(poller, wait, backOff);
        }
    }

    private static ExponentialBackOff backOff(Duration interval) {
        ExponentialBackOff backOff = new ExponentialBackOff(interval.toMillis(), 2.0);
        backOff.setMaxInterval(interval.multipliedBy(8).toMillis());
        return backOff;
    }

    private void count(Poller poller, String result, int n) {
        Counter.builder("nightshift.ingest.polled")
                .description("Task requests found by reconciliation, by source and result")
                .tag("source", poller.source()).tag("result", result)
                .register(meters).increment(n);
    }

    @Override
    public void stop() {
        running = false;
        next.values().forEach(f -> f.cancel(true));
        scheduler.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
