package dev.nightshift.dispatch.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.Topics;

/**
 * What this dispatcher knows of the ledger: the latest entry of each task version on the partitions it
 * reads, merged in {@link LedgerOrder}. Used from one thread only.
 */
public final class TaskLedger {

    private final Map<Integer, Map<String, Map<String, TaskLedgerEntry>>> partitions = new HashMap<>();
    /** Per partition and ledger key: when the running attempt's lease ends in the broker's time, where that is known. */
    private final Map<Integer, Map<String, Instant>> leaseEnds = new HashMap<>();

    public Optional<TaskLedgerEntry> get(int partition, String taskKey, String taskVersion) {
        return Optional.ofNullable(partitions.getOrDefault(partition, Map.of()).getOrDefault(taskKey, Map.of()).get(taskVersion));
    }

    /** Every known version of a task, in no particular order. */
    public List<TaskLedgerEntry> versionsOf(int partition, String taskKey) {
        return List.copyOf(partitions.getOrDefault(partition, Map.of()).getOrDefault(taskKey, Map.of()).values());
    }

    /** An entry this dispatcher wrote itself: @return whether it changed what is known */
    public boolean apply(int partition, TaskLedgerEntry entry) {
        return apply(partition, entry, null);
    }

    /**
     * An entry as read from the topic.
     *
     * @param appendedAt when the broker appended it (the topic's LogAppendTime), or null where unknown: a lease read
     *                   with it ends its own length ({@code leaseUntil - updatedAt}, both the writer's clock) after it,
     *                   whatever the hosts' clocks say
     * @return whether it changed what is known
     */
    public boolean apply(int partition, TaskLedgerEntry entry, Instant appendedAt) {
        Map<String, TaskLedgerEntry> versions = partitions.computeIfAbsent(partition, p -> new HashMap<>())
                .computeIfAbsent(entry.getTaskKey(), k -> new HashMap<>());
        TaskLedgerEntry known = versions.get(entry.getTaskVersion());
        TaskLedgerEntry applied = LedgerOrder.merge(known, entry);
        versions.put(entry.getTaskVersion(), applied);
        boolean changed = !applied.equals(known);
        if (changed) {
            Map<String, Instant> ends = leaseEnds.computeIfAbsent(partition, p -> new HashMap<>());
            String key = Topics.ledgerKey(entry.getTaskKey(), entry.getTaskVersion());
            boolean thisLease = applied.getState() == TaskState.RUNNING && applied.getAttempt() == entry.getAttempt()
                    && entry.getLeaseUntil() != null;
            if (thisLease && appendedAt != null) {
                ends.put(key, appendedAt.plus(Duration.between(entry.getUpdatedAt(), entry.getLeaseUntil())));
            } else if (thisLease || applied.getState() != TaskState.RUNNING) {
                ends.remove(key);
            }
        }
        return changed;
    }

    /** When the version's running attempt's lease ends in the broker's time, if its last lease was read with that time. */
    public Optional<Instant> leaseEndByBroker(int partition, String taskKey, String taskVersion) {
        return Optional.ofNullable(leaseEnds.getOrDefault(partition, Map.of()).get(Topics.ledgerKey(taskKey, taskVersion)));
    }

    /**
     * Forgets the ended versions last written before {@code cutoff}, as Kafka deletes them from the topic: a
     * long-lived dispatcher's memory stays within the ledger's retention.
     *
     * @param inHand versions the dispatcher handles now, kept whatever their age
     * @return how many were forgotten
     */
    public int forgetEndedBefore(Instant cutoff, Predicate<TaskLedgerEntry> inHand) {
        int forgotten = 0;
        for (Map<String, Map<String, TaskLedgerEntry>> tasks : partitions.values()) {
            for (var task = tasks.values().iterator(); task.hasNext(); ) {
                Map<String, TaskLedgerEntry> versions = task.next();
                int before = versions.size();
                versions.values().removeIf(e -> isFinal(e.getState()) && e.getUpdatedAt().isBefore(cutoff) && !inHand.test(e));
                forgotten += before - versions.size();
                if (versions.isEmpty()) {
                    task.remove();
                }
            }
        }
        return forgotten;
    }

    public void forget(int partition) {
        partitions.remove(partition);
        leaseEnds.remove(partition);
    }

    public static boolean isFinal(TaskState state) {
        return LedgerOrder.isFinal(state);
    }
}
