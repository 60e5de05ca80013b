package dev.nightshift.events;

/**
 * How to read nightshift.ledger: entries can arrive out of the order they mean (a late lease renewal of a
 * run that was taken over, a writer's own entries read back after it applied them), so an entry replaces
 * another only when it is not older: a later attempt wins, and within one attempt RUNNING is followed by
 * RETRY_WAIT or a final state, never the other way. A cancellation, once requested, stays requested.
 */
public final class LedgerOrder {

    private LedgerOrder() {
    }

    /** What is known of a task version once {@code entry} is read after {@code known} (null: nothing yet). */
    public static TaskLedgerEntry merge(TaskLedgerEntry known, TaskLedgerEntry entry) {
        if (known != null && precedence(entry) < precedence(known)) {
            return entry.getCancelRequested() && !known.getCancelRequested()
                    ? TaskLedgerEntry.newBuilder(known).setCancelRequested(true).build()
                    : known;
        }
        return known != null && known.getCancelRequested() && !entry.getCancelRequested()
                ? TaskLedgerEntry.newBuilder(entry).setCancelRequested(true).build()
                : entry;
    }

    public static boolean isFinal(TaskState state) {
        return switch (state) {
            case RUNNING, RETRY_WAIT -> false;
            case SUCCEEDED, FAILED, TIMED_OUT, OVER_BUDGET, CANCELLED, UNKNOWN -> true;
        };
    }

    private static long precedence(TaskLedgerEntry e) {
        int rank = switch (e.getState()) {
            case RUNNING -> 0;
            case RETRY_WAIT -> 1;
            default -> 2;
        };
        return e.getAttempt() * 4L + rank;
    }
}
