package dev.nightshift.ingest.webhook;

import dev.nightshift.ingest.publish.RetryLater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Maps refusals to their 4xx and an unreachable Kafka to 503, so the sender retries. Each is logged with its
 * reason, at most a few lines a minute: a flood of forged deliveries must not flood the log too. The webhook
 * endpoint asks it directly; for the task API (Spring MVC) it is the controller advice.
 */
@RestControllerAdvice
class WebhookErrors {

    private static final Logger log = LoggerFactory.getLogger(WebhookErrors.class);

    /** An answer: its status and its body. */
    record Answer(HttpStatus status, WebhookResponse body) {
    }

    private final ThrottledLog rejections = new ThrottledLog(20);
    private final ThrottledLog outages = new ThrottledLog(20);

    Answer rejected(WebhookRejected e) {
        rejections.log(e.getMessage(), (message, left) -> log.warn("webhook rejected ({}): {}{}", e.status().value(), message, leftOut(left)));
        return new Answer(e.status(), WebhookResponse.error(e.reason(), e.getMessage()));
    }

    Answer unavailable(RetryLater e) {
        outages.log(e.getMessage(), (message, left) -> log.error("webhook not accepted, the sender will retry: {}{}", message, leftOut(left)));
        return new Answer(HttpStatus.SERVICE_UNAVAILABLE, WebhookResponse.error("unavailable", "event could not be stored; retry later"));
    }

    @ExceptionHandler(WebhookRejected.class)
    ResponseEntity<WebhookResponse> rejectedInMvc(WebhookRejected e) {
        return entity(rejected(e));
    }

    @ExceptionHandler(RetryLater.class)
    ResponseEntity<WebhookResponse> unavailableInMvc(RetryLater e) {
        return entity(unavailable(e));
    }

    private static ResponseEntity<WebhookResponse> entity(Answer answer) {
        return ResponseEntity.status(answer.status()).body(answer.body());
    }

    private static String leftOut(long left) {
        return left == 0 ? "" : " (" + left + " more like it not logged before this one; see nightshift.ingest.webhooks)";
    }
}
