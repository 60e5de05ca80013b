package dev.nightshift.ingest.reconcile;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.ingest.routing.Worker;

/**
 * A source's reconciliation: lists the open items its workers want, as the task requests its webhooks would
 * have published (same task keys, same versions), so a lost webhook is found and a found one runs once.
 */
public interface Poller {

    /** The source's name, as in {@code /webhooks/{source}}. */
    String source();

    /** How often to poll; empty when this source is not polled. */
    Optional<Duration> interval();

    /** Why the source cannot be polled although an interval is set (a missing token): stops start-up. */
    Optional<String> misconfigured();

    /** The requests the open items make now. Throws when the source cannot be read; the next poll tries again. */
    List<Found> openRequests();

    /** A request found, with its worker and the person it counts against (null: the listing does not say). */
    record Found(TaskEvent event, Worker worker, String author) {
    }
}
