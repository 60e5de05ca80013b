package dev.nightshift.ingest.webhook;

import java.time.Instant;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Worker;

/** What a verified delivery asks for. */
public sealed interface Decision {

    /** Nothing to do; answered 200 with the reason, so the sender does not retry. */
    record Ignore(String reason) implements Decision {
    }

    /**
     * Publish the event: once per task version (or, for a cancellation, per delivery). A request names its worker
     * and the person asking ({@code author}, null when none), whose runs per hour are capped.
     */
    record Publish(TaskEvent event, String logLine, Worker worker, String author) implements Decision {
    }

    static Decision ignore(String reason) {
        return new Ignore(reason);
    }

    /**
     * Run the worker on this version of the task. The event id derives from the source and its delivery id,
     * so a redelivery carries the same one and consumers can drop it.
     */
    static Decision request(String source, String deliveryId, String taskKey, TaskRef task, String version, Worker worker, String what,
            String author) {
        return new Publish(TaskRequests.requested(taskKey, task, version, worker, source + ":" + deliveryId, Instant.now()),
                what + ", worker " + worker.name() + ", version " + version, worker, author);
    }

    /** Stop every version of the task requested so far. */
    static Decision cancel(String source, String deliveryId, String taskKey, TaskRef task, String reason) {
        return new Publish(TaskRequests.cancelled(taskKey, task, reason, source + ":" + deliveryId, Instant.now()),
                "cancellation (" + reason + ")", null, null);
    }
}
