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

    @Test
    void aLeaseReadWithTheBrokersTimeEndsItsLengthAfterItWasAppendedWhateverItsWriterClockSaid() {
        // written with lease 1 s .. 10 s by its writer's clock: 9 s long; appended at the broker's 100 s
        ledger.apply(0, entry(1, TaskState.RUNNING, false), Instant.ofEpochSecond(100));
        assertThat(ledger.leaseEndByBroker(0, "todoist:1", "added")).contains(Instant.ofEpochSecond(109));

        TaskLedgerEntry renewed = TaskLedgerEntry.newBuilder(entry(1, TaskState.RUNNING, false))
                .setUpdatedAt(Instant.ofEpochSecond(6)).setLeaseUntil(Instant.ofEpochSecond(21)).build();
        ledger.apply(0, renewed, Instant.ofEpochSecond(104));
        assertThat(ledger.leaseEndByBroker(0, "todoist:1", "added")).contains(Instant.ofEpochSecond(119));

        // a renewal of an older attempt read late changes nothing
        ledger.apply(0, entry(2, TaskState.RUNNING, false), Instant.ofEpochSecond(105));
        ledger.apply(0, entry(1, TaskState.RUNNING, false), Instant.ofEpochSecond(200));
        assertThat(ledger.leaseEndByBroker(0, "todoist:1", "added")).contains(Instant.ofEpochSecond(114));

        // ended: no lease; and one's own entries (no broker time) are judged by their own end
        ledger.apply(0, entry(2, TaskState.SUCCEEDED, false), Instant.ofEpochSecond(106));
        assertThat(ledger.leaseEndByBroker(0, "todoist:1", "added")).isEmpty();
        ledger.apply(1, entry(1, TaskState.RUNNING, false));
        assertThat(ledger.leaseEndByBroker(1, "todoist:1", "added")).isEmpty();
    }

    @Test
    void endedVersionsPastTheCutoffAreForgottenUnlessInHandAndNothingStillGoingIs() {
        ledger.apply(0, entry(1, TaskState.SUCCEEDED, false));
        ledger.apply(0, TaskLedgerEntry.newBuilder(entry(1, TaskState.FAILED, false)).setTaskVersion("in-hand").build());
        ledger.apply(0, TaskLedgerEntry.newBuilder(entry(1, TaskState.RUNNING, false)).setTaskVersion("running").build());
        ledger.apply(0, TaskLedgerEntry.newBuilder(entry(1, TaskState.SUCCEEDED, false)).setTaskVersion("recent")
                .setUpdatedAt(Instant.ofEpochSecond(50)).build());

        int forgotten = ledger.forgetEndedBefore(Instant.ofEpochSecond(10), e -> e.getTaskVersion().equals("in-hand"));

        assertThat(forgotten).isEqualTo(1);
        assertThat(ledger.get(0, "todoist:1", "added")).isEmpty();
        assertThat(ledger.versionsOf(0, "todoist:1")).extracting(TaskLedgerEntry::getTaskVersion)
                .containsExactlyInAnyOrder("in-hand", "running", "recent");
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
