package dev.nightshift.dispatch.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.TrustedEvents;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Entries that arrive late never take the ledger back; a cancellation stays requested. */
class TaskLedgerTest {

    private final TaskLedger ledger = new TaskLedger();

    @BeforeAll
    static void trust() {
        TrustedEvents.trust(); // copies of generated records go through Avro's class check, as in the service
    }

    @Test
    void aLateLeaseRenewalDoesNotUndoTheEndOfItsRun() {
        ledger.apply(0, entry(1, TaskState.RUNNING, false));
        ledger.apply(0, entry(1, TaskState.SUCCEEDED, false));
        assertThat(ledger.apply(0, entry(1, TaskState.RUNNING, false))).isFalse();
        assertThat(state()).isEqualTo(TaskState.SUCCEEDED);
    }

    @Test
    void theNextAttemptFollowsARetryWaitAndAnOldAttemptsLeaseIsIgnored() {
        ledger.apply(0, entry(1, TaskState.RETRY_WAIT, false));
        assertThat(ledger.apply(0, entry(2, TaskState.RUNNING, false))).isTrue();
        assertThat(ledger.apply(0, entry(1, TaskState.RUNNING, false))).isFalse();
        assertThat(ledger.get(0, "todoist:1", "added").orElseThrow().getAttempt()).isEqualTo(2);
    }

    @Test
    void aRenewalOfTheSameAttemptMovesTheLease() {
        ledger.apply(0, entry(1, TaskState.RUNNING, false));
        TaskLedgerEntry renewed = TaskLedgerEntry.newBuilder(entry(1, TaskState.RUNNING, false)).setLeaseUntil(Instant.ofEpochSecond(99)).build();
        assertThat(ledger.apply(0, renewed)).isTrue();
        assertThat(ledger.get(0, "todoist:1", "added").orElseThrow().getLeaseUntil()).isEqualTo(Instant.ofEpochSecond(99));
    }

    @Test
    void aCancellationStaysRequestedThroughLaterRenewals() {
        ledger.apply(0, entry(1, TaskState.RUNNING, false));
        ledger.apply(0, entry(1, TaskState.RUNNING, true));
        ledger.apply(0, entry(1, TaskState.RUNNING, false));
        assertThat(ledger.get(0, "todoist:1", "added").orElseThrow().getCancelRequested()).isTrue();
        // even one carried by an entry that is otherwise too old
        ledger.apply(1, entry(2, TaskState.RUNNING, false));
        ledger.apply(1, entry(1, TaskState.RUNNING, true));
        assertThat(ledger.get(1, "todoist:1", "added").orElseThrow().getCancelRequested()).isTrue();
    }

    @Test
    void versionsOfATaskAreKeptApartAndPerPartition() {
        ledger.apply(0, entry(1, TaskState.SUCCEEDED, false));
        ledger.apply(0, TaskLedgerEntry.newBuilder(entry(1, TaskState.RUNNING, false)).setTaskVersion("again").build());
        assertThat(ledger.versionsOf(0, "todoist:1")).hasSize(2);
        ledger.forget(0);
        assertThat(ledger.versionsOf(0, "todoist:1")).isEmpty();
    }

    private TaskState state() {
        return ledger.get(0, "todoist:1", "added").orElseThrow().getState();
    }

    private static TaskLedgerEntry entry(int attempt, TaskState state, boolean cancel) {
        return TaskLedgerEntry.newBuilder()
                .setTaskKey("todoist:1").setTaskVersion("added").setState(state).setAttempt(attempt).setMaxAttempts(3)
                .setRunId("run-" + attempt).setInstance("a").setLeaseUntil(state == TaskState.RUNNING ? Instant.ofEpochSecond(10) : null)
                .setCancelRequested(cancel).setUpdatedAt(Instant.ofEpochSecond(1)).build();
    }
}
