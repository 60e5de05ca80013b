package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** Partitions come and go while runs go on; a stop hands the runs still going over. */
class PartitionsAndStopTest {

    private final Engine engine = new Engine();

    @Test
    void recordsWaitForTheirPartitionsLedgerToBeReadThenADuplicateStartsNothing() {
        engine.kafka.writtenElsewhere(0, Engine.endedElsewhere("api:1", "v1", TaskState.SUCCEEDED));
        engine.kafka.readSlowly();
        engine.assign(0);

        assertThat(engine.kafka.watches(0)).isTrue();
        assertThat(engine.kafka.scouts(0)).isTrue();
        long duplicate = engine.request("api:1", "v1");
        long fresh = engine.request("api:2", "v1");
        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.committed(0)).isEqualTo(-1);

        engine.kafka.catchUp(0);

        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.runs.last().events.taskKey()).isEqualTo("api:2");
        assertThat(engine.committed(0)).isEqualTo(duplicate);
        assertThat(fresh).isGreaterThan(duplicate);
    }

    @Test
    void aPartitionRevokedMidRunLetsTheRunGoOnHereAndItsOutcomeIsWritten() {
        engine.assign(0);
        engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();

        engine.dispatcher.revoked(List.of(0));

        assertThat(run.stoppedFor()).isNull();
        assertThat(engine.kafka.scouts(0)).isFalse();
        assertThat(engine.kafka.watches(0)).as("the ledger partition of a run going on here is still read").isTrue();

        run.succeeds(0.1);

        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(engine.kafka.runBodies("api:1")).hasExactlyElementsOfTypes(RunStarted.class, RunFinished.class);
        // the partition's new owner commits its offsets: nothing is acknowledged here
        assertThat(engine.acknowledged).isEmpty();
        assertThat(engine.kafka.watches(0)).isFalse();
    }

    @Test
    void aRevokedPartitionsVersionsThatDoNotRunHereAreDropped() {
        Engine oneSlot = new Engine(Engine.START, 1, 50).assign(0);
        oneSlot.request("api:1", "v1");
        oneSlot.request("api:2", "v1");

        oneSlot.dispatcher.revoked(List.of(0));
        oneSlot.runs.last().succeeds(0);

        assertThat(oneSlot.runs.started).hasSize(1);
        assertThat(oneSlot.kafka.ledger("api:2", "v1")).isNull();
    }

    @Test
    void aStopHandsTheRunsStillGoingOverByReleasingTheirLeases() {
        engine.assign(0);
        engine.request("api:1", "v1");
        engine.request("api:2", "v1");

        engine.dispatcher.stop();

        for (StandInRuns.Run run : engine.runs.started) {
            assertThat(run.stoppedFor()).isEqualTo("dispatch is stopping; the run is handed over");
        }
        for (String task : List.of("api:1", "api:2")) {
            TaskLedgerEntry lease = engine.kafka.ledger(task, "v1");
            assertThat(lease.getState()).isEqualTo(TaskState.RUNNING);
            assertThat(lease.getInstance()).isEqualTo(Engine.ME);
            assertThat(lease.getLeaseUntil()).as("released: the next owner takes it over at once").isEqualTo(engine.clock.instant());
            assertThat(engine.kafka.runBodies(task)).hasExactlyElementsOfTypes(RunStarted.class);
        }
        assertThat(engine.dispatcher.isRunning()).isFalse();
    }

    @Test
    void aReleasedLeaseIsTakenOverByTheNextOwnerAtOnce() {
        engine.assign(0);
        engine.request("api:1", "v1");
        engine.dispatcher.stop();
        TaskLedgerEntry released = engine.kafka.ledger("api:1", "v1");

        Engine next = new Engine(engine.clock.instant(), 2, 50);
        next.kafka.writtenElsewhere(0, TaskLedgerEntry.newBuilder(released).setInstance(Engine.OTHER).build());
        next.assign(0);
        next.request("api:1", "v1");
        next.loop.advance(java.time.Duration.ofSeconds(2));

        assertThat(next.runs.started).hasSize(1);
        assertThat(next.runs.last().events.attempt()).isEqualTo(2);
    }
}
