package dev.nightshift.report;

import dev.nightshift.events.RunEvent;

/** One place runs are written back to. Each sink reports an event at most once per target. */
public interface ReportSink {

    /** The sink's name, a bounded metric tag. */
    String name();

    /** Whether this event's outputs ask for this sink at all. */
    boolean wants(RunEvent event);

    /** Writes the event back; throws when the target failed, so the event is retried. */
    void report(RunEvent event);
}
