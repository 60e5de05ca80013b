package dev.nightshift.dispatch.engine;

import java.time.Instant;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The ledger entries a dispatcher writes about a version, and the records that carry them. */
final class LedgerEntries {

    private final String instance;

    LedgerEntries(String instance) {
        this.instance = instance;
    }

    TaskLedgerEntry running(Version v, Instant leaseUntil, Instant now) {
        return base(v, TaskState.RUNNING, now).setLeaseUntil(leaseUntil).build();
    }

    TaskLedgerEntry retryWait(Version v, Instant nextAttemptAt, Instant now) {
        return base(v, TaskState.RETRY_WAIT, now).setNextAttemptAt(nextAttemptAt).build();
    }

    TaskLedgerEntry ended(Version v, Outcome outcome, Instant now) {
        return base(v, stateOf(outcome), now).build();
    }

    /** A version cancelled before any event of it arrived here: it must never run. */
    TaskLedgerEntry cancelledUnseen(String taskKey, String taskVersion, Instant now) {
        return TaskLedgerEntry.newBuilder().setTaskKey(taskKey).setTaskVersion(taskVersion).setState(TaskState.CANCELLED)
                .setAttempt(0).setMaxAttempts(0).setInstance(instance).setCancelRequested(true).setUpdatedAt(now).build();
    }

    /** A copy that asks whoever runs the version to stop. */
    static TaskLedgerEntry cancelRequested(TaskLedgerEntry known, Instant now) {
        return TaskLedgerEntry.newBuilder(known).setCancelRequested(true).setUpdatedAt(now).build();
    }

    static ProducerRecord<String, Object> record(int partition, TaskLedgerEntry entry) {
        return new ProducerRecord<>(Topics.LEDGER, partition, Topics.ledgerKey(entry.getTaskKey(), entry.getTaskVersion()), entry);
    }

    private TaskLedgerEntry.Builder base(Version v, TaskState state, Instant now) {
        return TaskLedgerEntry.newBuilder()
                .setTaskKey(v.taskKey)
                .setTaskVersion(v.taskVersion)
                .setState(state)
                .setAttempt(v.attempt)
                .setMaxAttempts(v.maxAttempts())
                .setRunId(v.runId)
                .setInstance(instance)
                .setCancelRequested(v.cancelRequested)
                .setUpdatedAt(now);
    }

    static TaskState stateOf(Outcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> TaskState.SUCCEEDED;
            case FAILED, UNKNOWN -> TaskState.FAILED;
            case TIMED_OUT -> TaskState.TIMED_OUT;
            case OVER_BUDGET -> TaskState.OVER_BUDGET;
            case CANCELLED -> TaskState.CANCELLED;
        };
    }
}
