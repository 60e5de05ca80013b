package dev.nightshift.events;

/** The topic names, defined once. Every record on them is keyed by the task key. */
public final class Topics {
    /** {@link TaskEvent}s: ingest writes, dispatch reads. */
    public static final String TASKS = "nightshift.tasks";
    /** {@link RunEvent}s: dispatch writes, report reads. */
    public static final String RUNS = "nightshift.runs";
    /** Dead letters of a topic: records that could not be processed, with the reason in headers. */
    public static String deadLetters(String topic) {
        return topic + ".dlt";
    }

    private Topics() {
    }
}
