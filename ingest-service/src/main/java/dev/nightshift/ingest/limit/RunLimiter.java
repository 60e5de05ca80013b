package dev.nightshift.ingest.limit;

import java.time.Clock;
import java.time.Instant;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.ingest.publish.RetryLater;
import dev.nightshift.ingest.publish.TaskPublisher;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Worker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Publishes a task request within its worker's runs per hour ({@link RunCaps}): what a webhook, the task API and
 * reconciliation publish goes through here (a schedule's slots do not: the operator set them). A redelivery
 * (already published) is a duplicate and counts nothing; a request past a cap is not published.
 */
@Component
public class RunLimiter {

    private static final Logger log = LoggerFactory.getLogger(RunLimiter.class);

    /** What became of a request. */
    public sealed interface Result {
        record Published() implements Result {
        }

        record Duplicate() implements Result {
        }

        record Capped(String reason) implements Result {
        }
    }

    private final TaskPublisher publisher;
    private final RunCaps caps;
    private final MeterRegistry meters;

    public RunLimiter(TaskPublisher publisher, LimitsProperties limits, MeterRegistry meters) {
        this.publisher = publisher;
        this.caps = new RunCaps(limits, Clock.systemUTC());
        this.meters = meters;
    }

    /** Publishes the event; a request (with its worker) only within its caps, counted against {@code author}. */
    public Result publish(String source, TaskEvent event, Worker worker, String author) {
        if (!(event.getBody() instanceof TaskRequested) || worker == null) {
            return outcome(publisher.publish(event));
        }
        if (publisher.published(event)) {
            return new Result.Duplicate();
        }
        return switch (caps.admit(worker, author)) {
            case RunCaps.Admission.Capped capped -> {
                Counter.builder("nightshift.ingest.capped")
                        .description("Task requests not published: past a worker's runs per hour, or its author's")
                        .tag("source", source).tag("scope", capped.scope())
                        .register(meters).increment();
                log.info("{} not published: {}", event.getTaskKey(), capped.reason());
                // the task API's caller reads its 429; an item in a source is answered where it was asked
                if (capped.replyDue() && !source.equals("api")) {
                    reply(event, worker, author, capped);
                }
                yield new Result.Capped(capped.reason());
            }
            case RunCaps.Admission.Admitted admitted -> {
                Result result;
                try {
                    result = outcome(publisher.publish(event));
                } catch (RetryLater e) {
                    admitted.refund().run();
                    throw e;
                }
                if (result instanceof Result.Duplicate) {
                    // a repeat of what this replica published meanwhile: not a run of ours
                    admitted.refund().run();
                }
                yield result;
            }
        };
    }

    /**
     * One answer per worker, author and cap window, on the item that asked: a {@code TaskDeclined} report turns into
     * a comment. Every replica declining in the window publishes the same one (its id is the window's), so it is
     * made once. A reply Kafka does not take is logged and left: the request is refused either way.
     */
    private void reply(TaskEvent request, Worker worker, String author, RunCaps.Admission.Capped capped) {
        String replyId = "declined:" + worker.name() + ":" + author + ":" + capped.window();
        try {
            publisher.publish(TaskRequests.declined(request.getTaskKey(), request.getTask(), worker, author,
                    capped.reason(), replyId, Instant.now()));
        } catch (RetryLater e) {
            log.warn("the reply to {} (no run: {}) was not published: {}", request.getTaskKey(), capped.reason(), e.getMessage());
        }
    }

    private static Result outcome(TaskPublisher.Outcome outcome) {
        return outcome == TaskPublisher.Outcome.PUBLISHED ? new Result.Published() : new Result.Duplicate();
    }
}
