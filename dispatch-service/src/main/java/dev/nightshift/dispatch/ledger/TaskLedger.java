package dev.nightshift.dispatch.ledger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;

/**
 * What this dispatcher knows of the ledger: the latest entry of each task version on the partitions it
 * reads, merged in {@link LedgerOrder}. Used from one thread only.
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
        TaskLedgerEntry applied = LedgerOrder.merge(known, entry);
        versions.put(entry.getTaskVersion(), applied);
        return !applied.equals(known);
    }

    public void forget(int partition) {
        partitions.remove(partition);
    }

    public static boolean isFinal(TaskState state) {
        return LedgerOrder.isFinal(state);
    }
}
