package dev.nightshift.report.sink;

import java.util.Optional;

import dev.nightshift.events.RunEvent;

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

    /** A cheap authenticated call, to learn whether a rejected credential works again. */
    void checkCredential();

    /** Closed while the target rejects this sink's credential. */
    SinkGate gate();

    /** The consumer group reading run events for this sink, named from report's group prefix. */
    default String group(String prefix) {
        return prefix + "-" + name();
    }
}
