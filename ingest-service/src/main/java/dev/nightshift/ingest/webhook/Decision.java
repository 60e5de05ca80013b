package dev.nightshift.ingest.webhook;

import dev.nightshift.events.TaskEvent;

/** What a verified delivery asks for. */
public sealed interface Decision {

    /** Nothing to do; answered 200 with the reason, so the sender does not retry. */
    record Ignore(String reason) implements Decision {
    }

    /**
     * Publish the event, once per delivery.
     *
     * @param deliveryId the sender's id of this delivery, the same on every redelivery
     */
    record Publish(String deliveryId, TaskEvent event, String logLine) implements Decision {
    }

    static Decision ignore(String reason) {
        return new Ignore(reason);
    }
}
