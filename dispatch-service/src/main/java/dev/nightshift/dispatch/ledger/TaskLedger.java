package dev.nightshift.dispatch.ledger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;

/**
 * What this dispatcher knows of the ledger: the latest entry of each task version on the partitions it
 * reads. Entries can arrive out of the order they mean (a late lease renewal of a run that was taken over,
 * our own writes read back after we applied them), so an entry replaces another only when it is not older:
 * a later attempt wins, and within one attempt RUNNING is followed by RETRY_WAIT or a final state, never
 * the other way. A cancellation, once requested, stays requested. Used from one thread only.
 */
public final class TaskLedger {

    private final Map<Integer, Map<String, Map<String, TaskLedgerEntry>>> partitions = new HashMap<>();

    public Optional<TaskLedgerEntry> get(int partition, String taskKey, String taskVersion) {
        return Optional.ofNullable(partitions.getOrDefault(partition, Map.of()).getOrDefault(taskKey, Map.of()).get(taskVersion));
    }

    /** Every known version of a task, in no particular order. */
    public List<TaskLedgerEntry> versionsOf(int partition, String taskKey) {
        return List.copyOf(partitions.getOrDefault(partition, Map.of()).getOrDefault(taskKey, Map.of()).values());
    }

    /** @return whether the entry changed what is known */
    public boolean apply(int partition, TaskLedgerEntry entry) {
        Map<String, TaskLedgerEntry> versions = partitions.computeIfAbsent(partition, p -> new HashMap<>())
                .computeIfAbsent(entry.getTaskKey(), k -> new HashMap<>());
        TaskLedgerEntry known = versions.get(entry.getTaskVersion());
        if (known != null && precedence(entry) < precedence(known)) {
            if (entry.getCancelRequested() && !known.getCancelRequested()) {
                versions.put(entry.getTaskVersion(), TaskLedgerEntry.newBuilder(known).setCancelRequested(true).build());
                return true;
            }
            return false;
        }
        TaskLedgerEntry applied = known != null && known.getCancelRequested() && !entry.getCancelRequested()
                ? TaskLedgerEntry.newBuilder(entry).setCancelRequested(true).build()
                : entry;
        versions.put(entry.getTaskVersion(), applied);
        return !applied.equals(known);
    }

    public void forget(int partition) {
        partitions.remove(partition);
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
