package dev.nightshift.ingest.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * {@code nightshift.ingest.webhooks{source, result}}: result is published, ignored, duplicate,
 * unavailable, or the rejection reason (bad_signature, malformed, too_large).
 */
@Component
public class WebhookMetrics {

    private final MeterRegistry registry;

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void count(String source, String result) {
        Counter.builder("nightshift.ingest.webhooks")
                .description("Webhook deliveries by source and result")
                .tag("source", source)
                .tag("result", result)
                .register(registry)
                .increment();
    }
}
