package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** A version another instance runs: watched, and taken over once its lease expired. */
class TakeoverTest {

    private final Engine engine = new Engine();

    @Test
    void anExpiredLeaseOfAnotherInstanceIsTakenOverAndTheNextAttemptStartsAtOnce() {
        engine.kafka.writtenElsewhere(0, Engine.leaseElsewhere("api:1", "v1", 1, Engine.START.plusSeconds(5)));
        engine.assign(0);
        engine.request("api:1", "v1");

        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.meter("nightshift.dispatch.duplicates", "why", "running_elsewhere")).isEqualTo(1);

        // past the lease, within the slack for clocks that differ a little
        engine.loop.advance(Duration.ofSeconds(5));
        assertThat(engine.runs.started).isEmpty();

        engine.loop.advance(Duration.ofSeconds(1));

        RunFinished lost = (RunFinished) engine.kafka.runEvents("api:1").getFirst().getBody();
        assertThat(lost.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(lost.getReason()).contains(Engine.OTHER);
        assertThat(lost.getFinalAttempt()).isFalse();
        assertThat(engine.kafka.runEvents("api:1").getFirst().getRunId()).isEqualTo("run-of-" + Engine.OTHER);
        assertThat(engine.meter("nightshift.dispatch.leases.taken.over")).isEqualTo(1);
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.runs.last().events.attempt()).isEqualTo(2);
        assertThat(engine.kafka.ledger("api:1", "v1").getInstance()).isEqualTo(Engine.ME);
        assertThat(engine.kafka.runBodies("api:1")).hasExactlyElementsOfTypes(RunFinished.class, RunStarted.class);
    }

    @Test
    void aLeaseRenewedInTimeIsNotTakenOver() {
        engine.kafka.writtenElsewhere(0, Engine.leaseElsewhere("api:1", "v1", 1, Engine.START.plusSeconds(5)));
        engine.assign(0);
        engine.request("api:1", "v1");

        engine.loop.advance(Duration.ofSeconds(4));
        engine.kafka.writtenElsewhere(0, Engine.leaseElsewhere("api:1", "v1", 1, Engine.START.plusSeconds(20)));
        engine.loop.advance(Duration.ofSeconds(10));

        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.kafka.runEvents("api:1")).isEmpty();
        assertThat(engine.meter("nightshift.dispatch.leases.taken.over")).isZero();
    }

    @Test
    void aHostWhoseClockIsFiveSecondsAheadTakesOverNoEarlierThanTheOwnerLetsGoOfTheRun() {
        // the broker and the run's owner agree; this host's clock is 5 s ahead of both
        engine.kafka.hostClockAhead(Duration.ofSeconds(5));
        Instant ownerNow = Engine.START.minusSeconds(5);
        engine.kafka.writtenElsewhere(0, renewedAt(ownerNow, ownerNow.plusSeconds(15)));
        engine.assign(0);
        engine.request("api:1", "v1");

        // the owner stops its run when its lease passes, at the broker's START+10 (this host's START+15): by this
        // host's clock against the lease's end, it would have taken over at START+11, four seconds before that
        engine.loop.advance(Duration.ofSeconds(15));
        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.meter("nightshift.dispatch.leases.taken.over")).isZero();

        engine.loop.advance(Duration.ofSeconds(2));
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.runs.last().events.attempt()).isEqualTo(2);
    }

    @Test
    void aHostWhoseClockIsFiveSecondsBehindTakesOverADeadInstancesRunWithoutWaitingFiveSecondsMore() {
        engine.kafka.hostClockAhead(Duration.ofSeconds(-5));
        Instant ownerNow = Engine.START.plusSeconds(5);
        engine.kafka.writtenElsewhere(0, renewedAt(ownerNow, ownerNow.plusSeconds(15)));
        engine.assign(0);
        engine.request("api:1", "v1");

        // the lease ends at the broker's START+20, this host's START+15; the takeover follows within the slack
        engine.loop.advance(Duration.ofSeconds(17));
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.meter("nightshift.dispatch.leases.taken.over")).isEqualTo(1);
    }

    /** The other instance's lease of attempt 1, renewed at {@code at} by its clock, until {@code until}. */
    private static TaskLedgerEntry renewedAt(Instant at, Instant until) {
        return TaskLedgerEntry.newBuilder(Engine.leaseElsewhere("api:1", "v1", 1, until)).setUpdatedAt(at).build();
    }

    @Test
    void aRunThatEndsOnTheOtherInstanceEndsItsWatchHereAndItsRecordIsAcknowledged() {
        engine.kafka.writtenElsewhere(0, Engine.leaseElsewhere("api:1", "v1", 1, Engine.START.plusSeconds(5)));
        engine.assign(0);
        long offset = engine.request("api:1", "v1");

        engine.kafka.writtenElsewhere(0, Engine.endedElsewhere("api:1", "v1", TaskState.SUCCEEDED));
        engine.loop.advance(Duration.ofSeconds(30));

        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.committed(0)).isEqualTo(offset);
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
    }

    @Test
    void aRunWhoseLeaseCannotBeRenewedIsStoppedBeforeAnotherInstanceMayTakeItOver() {
        engine.assign(0);
        engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();

        engine.kafka.failWrites(new IllegalStateException("Kafka unreachable"));
        engine.loop.advance(Duration.ofSeconds(15));
        assertThat(run.stoppedFor()).isNull();

        engine.loop.advance(Duration.ofSeconds(1));
        assertThat(run.stoppedFor()).contains("lease expired");

        run.endsStopped();
        // nothing written for it: its lease says when the partition's owner takes it over
        assertThat(engine.kafka.runBodies("api:1")).hasExactlyElementsOfTypes(RunStarted.class);
    }
}
