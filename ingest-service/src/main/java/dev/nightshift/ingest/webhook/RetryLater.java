package dev.nightshift.ingest.webhook;

/**
 * A delivery that cannot be handled right now (Kafka did not acknowledge, a lookup failed): answered
 * 503 so the sender retries, with nothing published.
 */
public class RetryLater extends RuntimeException {
    public RetryLater(String message) {
        super(message);
    }

    public RetryLater(String message, Throwable cause) {
        super(message, cause);
    }
}
