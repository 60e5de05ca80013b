package dev.nightshift.ingest.webhook;

import org.springframework.http.HttpHeaders;

/** A delivery as received: the exact bytes the sender signed, and its headers (names case-insensitive). */
public record WebhookDelivery(byte[] body, HttpHeaders headers) {

    /** The header's first value, or null. */
    public String header(String name) {
        return headers.getFirst(name);
    }
}
