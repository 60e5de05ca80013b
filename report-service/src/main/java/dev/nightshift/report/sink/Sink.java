package dev.nightshift.report.sink;

import java.util.List;
import java.util.Optional;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.report.target.TargetFault;

/**
 * One place runs are written back to. Each sink reads the run events on its own (its own consumer group,
 * retries and dead letters), so a slow or failing target never holds another up.
 */
public interface Sink {

    /** A short name: the metric tag, the consumer group's and the dead-letter topic's suffix. */
    String name();

    /** Why this sink is off, naming the setting that would turn it on; empty when it writes. */
    Optional<String> offBecause();

    /** Whether this event's outputs ask for this sink at all. */
    boolean wants(RunEvent event);

    /** Writes the event back, each write at most once; a failure is a {@link TargetFault}. */
    void write(RunEvent event);

    /** Whether this sink takes its events in batches ({@link #writeAll}), to put several in one request. */
    default boolean writesInBatches() {
        return false;
    }

    /**
     * Writes these events in their order (each one it {@link #wants}); when one fails, those before it are
     * written and it is named by an {@link Unwritten}, whose cause is the {@link TargetFault}.
     */
    default void writeAll(List<RunEvent> events) {
        for (int i = 0; i < events.size(); i++) {
            try {
                write(events.get(i));
            } catch (RuntimeException e) {
                throw new Unwritten(i, e);
            }
        }
    }

    /** The first event of a batch that was not written: it and those after it are delivered again. */
    final class Unwritten extends RuntimeException {
        private final int index;

        public Unwritten(int index, RuntimeException cause) {
            super(cause.getMessage(), cause);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }

    /**
     * Whether this sink answers a task's request before any run of it starts (a Linear agent session expects
     * a first activity within 10 s of its start); such a sink also reads nightshift.tasks.
     */
    default boolean acknowledgesTasks() {
        return false;
    }

    /** Whether this task event asks for an acknowledgement from this sink. */
    default boolean wants(TaskEvent event) {
        return false;
    }

    /** Acknowledges the task's request, at most once per task version; a failure is a {@link TargetFault}. */
    default void acknowledge(TaskEvent event) {
        throw new UnsupportedOperationException(name() + " does not acknowledge tasks");
    }

    /** A cheap authenticated call, to learn whether a rejected credential works again. */
    void checkCredential();

    /** Closed while the target rejects this sink's credential. */
    SinkGate gate();

    /** The consumer group reading run events for this sink, named from report's group prefix. */
    default String group(String prefix) {
        return prefix + "-" + name();
    }
}
