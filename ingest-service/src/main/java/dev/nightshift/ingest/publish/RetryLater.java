package dev.nightshift.ingest.publish;

/**
 * A delivery that cannot be handled right now (Kafka did not acknowledge, a lookup failed): answered
 * 503 so the sender retries, with nothing published. Publishing's own failure, so it lives here, below every
 * way in (webhooks, the task API, reconciliation) that turns it into a 503 or a retry.
 */
public class RetryLater extends RuntimeException {
    public RetryLater(String message) {
        super(message);
    }

    public RetryLater(String message, Throwable cause) {
        super(message, cause);
    }
}
