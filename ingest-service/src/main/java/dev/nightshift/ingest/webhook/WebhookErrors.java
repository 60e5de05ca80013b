package dev.nightshift.ingest.webhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Maps refusals to their 4xx and an unreachable Kafka to 503, so the sender retries. */
@RestControllerAdvice
class WebhookErrors {

    private static final Logger log = LoggerFactory.getLogger(WebhookErrors.class);

    @ExceptionHandler(WebhookRejected.class)
    ResponseEntity<WebhookResponse> rejected(WebhookRejected e) {
        log.warn("webhook rejected ({}): {}", e.status().value(), e.getMessage());
        return ResponseEntity.status(e.status()).body(WebhookResponse.error(e.reason(), e.getMessage()));
    }

    @ExceptionHandler(RetryLater.class)
    ResponseEntity<WebhookResponse> unavailable(RetryLater e) {
        log.error("webhook not accepted, the sender will retry: {}", e.getMessage());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .body(WebhookResponse.error("unavailable", "event could not be stored; retry later"));
    }
}
