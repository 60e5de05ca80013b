package dev.nightshift.ingest.webhook;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * {@code nightshift.ingest.webhooks{source, result}}: result is published, ignored, duplicate,
 * unavailable, or the rejection reason (bad_signature, malformed, too_large). The counters are looked up once.
 */
@Component
public class WebhookMetrics {

    private record Key(String source, String result) {
    }

    private final MeterRegistry registry;
    private final ConcurrentMap<Key, Counter> counters = new ConcurrentHashMap<>();

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String source, String result) {
        counters.computeIfAbsent(new Key(source, result), k -> Counter.builder("nightshift.ingest.webhooks")
                .description("Webhook deliveries by source and result")
                .tag("source", k.source())
                .tag("result", k.result())
                .register(registry)).increment();
    }

    /** Each source's results so far: "source result" to count, sorted. */
    Map<String, Long> totals() {
        Map<String, Long> totals = new TreeMap<>();
        counters.forEach((k, c) -> totals.put(k.source() + " " + k.result(), (long) c.count()));
        return totals;
    }
}
