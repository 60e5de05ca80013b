package dev.nightshift.ingest.webhook;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.StringJoiner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.stereotype.Component;

/**
 * One INFO line a minute saying what became of the deliveries received in it (each one's own line is DEBUG):
 * a person reading the log sees ingest at work without a line per webhook.
 */
@Component
class WebhookSummary implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WebhookSummary.class);
    private static final Duration EVERY = Duration.ofMinutes(1);

    private final WebhookMetrics metrics;
    private final SimpleAsyncTaskScheduler scheduler = new SimpleAsyncTaskScheduler();
    private Map<String, Long> last = new HashMap<>();
    private volatile boolean running;

    WebhookSummary(WebhookMetrics metrics) {
        this.metrics = metrics;
        scheduler.setVirtualThreads(true);
        scheduler.setThreadNamePrefix("ingest-summary-");
    }

    @Override
    public void start() {
        running = true;
        scheduler.scheduleAtFixedRate(this::summarise, EVERY);
    }

    synchronized void summarise() {
        Map<String, Long> now = metrics.totals();
        StringJoiner line = new StringJoiner(", ");
        now.forEach((what, total) -> {
            long since = total - last.getOrDefault(what, 0L);
            if (since > 0) {
                line.add(what + " " + since);
            }
        });
        last = now;
        if (line.length() > 0) {
            log.info("webhooks in the last {}: {}", EVERY.toMinutes() + " min", line);
        }
    }

    @Override
    public void stop() {
        running = false;
        scheduler.close();
        summarise();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
