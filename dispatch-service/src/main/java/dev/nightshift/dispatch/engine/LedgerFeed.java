package dev.nightshift.dispatch.engine;

/**
 * What the engine asks of the ledger's reader: which ledger partitions to read (and follow), and which task
 * partitions to read ahead for cancellations. What it reads comes back through {@code LedgerReader.Listener}.
 */
interface LedgerFeed {

    /** Reads the ledger partition from the start (or up to its current end, if read already), then follows it. */
    void watch(int partition);

    void unwatch(int partition);

    /** Reads the task partition from {@code offset} on, for cancellations. */
    void scout(int partition, long offset);

    void stopScouting(int partition);
}
