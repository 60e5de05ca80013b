package dev.nightshift.ingest.webhook;

import java.util.function.UnaryOperator;

/**
 * A delivery as received: the exact bytes the sender signed, and its headers (names case-insensitive, read from
 * the request as asked: most deliveries need two or three of them, so none is copied).
 */
public record WebhookDelivery(byte[] body, UnaryOperator<String> headers) {

    /** The header's first value, or null. */
    public String header(String name) {
        return headers.apply(name);
    }
}
