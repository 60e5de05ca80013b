package dev.nightshift.ingest.webhook;

import java.util.Optional;

import dev.nightshift.ingest.publish.RetryLater;

/**
 * One source's webhook, behind {@code POST /webhooks/{name}}: how its deliveries are verified and what
 * they ask for. Everything common (the size cap, metrics, dedupe, publishing, the answers) is
 * {@link WebhookController}'s.
 */
public interface WebhookSource {

    /** The path segment, metric tag and task-key prefix: todoist, github, linear. */
    String name();

    /** Why this source's webhook is off (the setting that is missing), or empty when it is on. */
    Optional<String> disabledBecause();

    /** Checks the signature (and freshness) on the raw bytes, before anything is parsed; throws {@link WebhookRejected}. */
    void verify(WebhookDelivery delivery);

    /**
     * What the delivery asks for. Throws {@link WebhookRejected} for a malformed body and {@link RetryLater}
     * when the answer depends on something unreachable right now.
     */
    Decision decide(WebhookDelivery delivery);
}
