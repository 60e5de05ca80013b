package dev.nightshift.ingest.webhook;

import org.springframework.http.HttpStatus;

/** A delivery refused before anything was published; {@code reason} is a bounded metric tag. */
public class WebhookRejected extends RuntimeException {

    private final HttpStatus status;
    private final String reason;

    public WebhookRejected(HttpStatus status, String reason, String message) {
        super(message);
        this.status = status;
        this.reason = reason;
    }

    public HttpStatus status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public static WebhookRejected badSignature(String header) {
        return new WebhookRejected(HttpStatus.UNAUTHORIZED, "bad_signature", header + " is missing or does not match the body");
    }

    public static WebhookRejected malformed(String what) {
        return new WebhookRejected(HttpStatus.BAD_REQUEST, "malformed", what);
    }

    public static WebhookRejected tooLarge(int maxBytes) {
        return new WebhookRejected(HttpStatus.CONTENT_TOO_LARGE, "too_large",
                "body is larger than " + maxBytes + " bytes (nightshift.ingest.max-body-bytes)");
    }
}
