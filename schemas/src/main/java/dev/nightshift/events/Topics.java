package dev.nightshift.events;

/** The topic names, defined once. Every record on them is keyed by the task key (the ledger: by task version). */
public final class Topics {
    /** {@link TaskEvent}s: ingest writes, dispatch reads. */
    public static final String TASKS = "nightshift.tasks";
    /** {@link RunEvent}s: dispatch writes, report reads. */
    public static final String RUNS = "nightshift.runs";
    /**
     * {@link TaskLedgerEntry}s, compacted: each task version's state. Partition p holds the versions of the
     * tasks on partition p of {@link #TASKS}, so the dispatcher that owns a task partition reads only its own.
     */
    public static final String LEDGER = "nightshift.ledger";
    /** What each run reserved and spent, by day: the daily spend ceiling every dispatcher shares. */
    public static final String SPEND = "nightshift.spend";
    /**
     * {@link WriteRecord}s, compacted and kept for a while: what report wrote where, so a restart edits or
     * skips instead of writing twice.
     */
    public static final String WRITES = "nightshift.writes";

    /** Dead letters of a topic: records that could not be processed, with the reason in headers. */
    public static String deadLetters(String topic) {
        return topic + ".dlt";
    }

    /** The ledger's record key of one task version. */
    public static String ledgerKey(String taskKey, String taskVersion) {
        return taskKey + " " + taskVersion;
    }

    private Topics() {
    }
}
