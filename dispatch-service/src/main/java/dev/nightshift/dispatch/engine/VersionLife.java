package dev.nightshift.dispatch.engine;

import static dev.nightshift.dispatch.engine.Version.Phase.BACKOFF;
import static dev.nightshift.dispatch.engine.Version.Phase.FINISHING;
import static dev.nightshift.dispatch.engine.Version.Phase.QUEUED;
import static dev.nightshift.dispatch.engine.Version.Phase.RUNNING;
import static dev.nightshift.dispatch.engine.Version.Phase.SPEND_WAIT;
import static dev.nightshift.dispatch.engine.Version.Phase.STARTING;
import static dev.nightshift.dispatch.engine.Version.Phase.WAITING;
import static dev.nightshift.dispatch.engine.Version.Phase.WATCHING;

import java.util.EnumMap;
import java.util.Map;

import dev.nightshift.dispatch.engine.Version.Phase;

/**
 * A version's life here, declared: which event moves it from which phase to which. The rooms of the engine
 * carry out what an event means (a write, a timer, a stop) and move the version only through {@link #next}, so a
 * step that would take it somewhere its life does not go throws instead, and the step's failure handling gives it a
 * defined end (failed or handed over). Ending here (completed or dropped) is not a phase: the version leaves the
 * engine's hands.
 */
final class VersionLife {

    enum Event {
        /** Its turn came and the ledger knows nothing of it: it queues for a slot. */
        NEW,
        /** The ledger says an attempt of it runs on another instance: it is watched. */
        RUNS_ELSEWHERE,
        /** Its next attempt is due later: the retry backoff. */
        RETRY_LATER,
        /** Today's spend ceiling has no room for its budget: it waits for the next day. */
        CEILING_REACHED,
        /** Its wait (backoff or spend ceiling) is over: it queues for a slot. */
        WAIT_OVER,
        /** A slot is free and the ceiling has room: its lease is being written. */
        ADMITTED,
        /** Its lease is on Kafka: its agent starts. */
        LEASE_WRITTEN,
        /** An outcome of it is being written: its run ended, was refused, was taken over, or a step about it failed. */
        OUTCOME,
        /** Cancelled before its (next) attempt ran: its final entry is being written. */
        CANCELLED_BEFORE_RUN
    }

    private static final Map<Phase, Map<Event, Phase>> TABLE = new EnumMap<>(Phase.class);

    static {
        from(WAITING, Map.of(
                Event.NEW, QUEUED,
                Event.RUNS_ELSEWHERE, WATCHING,
                Event.RETRY_LATER, BACKOFF,
                Event.OUTCOME, FINISHING,
                Event.CANCELLED_BEFORE_RUN, FINISHING));
        from(QUEUED, Map.of(
                Event.ADMITTED, STARTING,
                Event.CEILING_REACHED, SPEND_WAIT,
                Event.OUTCOME, FINISHING, // refused by its worker's limits
                Event.CANCELLED_BEFORE_RUN, FINISHING));
        from(STARTING, Map.of(
                Event.LEASE_WRITTEN, RUNNING,
                Event.OUTCOME, FINISHING)); // its lease was not written, or it was stopped before its agent started
        from(RUNNING, Map.of(
                Event.OUTCOME, FINISHING));
        from(WATCHING, Map.of(
                Event.RETRY_LATER, BACKOFF,
                Event.OUTCOME, FINISHING, // taken over: the lost run's outcome
                Event.CANCELLED_BEFORE_RUN, FINISHING));
        from(SPEND_WAIT, Map.of(
                Event.WAIT_OVER, QUEUED,
                Event.OUTCOME, FINISHING,
                Event.CANCELLED_BEFORE_RUN, FINISHING));
        from(BACKOFF, Map.of(
                Event.WAIT_OVER, QUEUED,
                Event.OUTCOME, FINISHING,
                Event.CANCELLED_BEFORE_RUN, FINISHING));
        from(FINISHING, Map.of(
                Event.RETRY_LATER, BACKOFF, // the outcome is written and another attempt follows
                Event.CANCELLED_BEFORE_RUN, FINISHING, // ... unless it was cancelled meanwhile
                Event.LEASE_WRITTEN, FINISHING)); // it ended before its lease's write was confirmed
    }

    private VersionLife() {
    }

    private static void from(Phase phase, Map<Event, Phase> moves) {
        TABLE.put(phase, new EnumMap<>(moves));
    }

    /** Where {@code event} takes a version in {@code phase}; throws when its life does not go that way. */
    static Phase next(Phase phase, Event event) {
        Phase to = TABLE.get(phase).get(event);
        if (to == null) {
            throw new IllegalStateException("no way from " + phase + " on " + event + " (allowed there: " + TABLE.get(phase).keySet() + ")");
        }
        return to;
    }

    /** Whether {@code event} may happen to a version in {@code phase}. */
    static boolean allows(Phase phase, Event event) {
        return TABLE.get(phase).containsKey(event);
    }
}
