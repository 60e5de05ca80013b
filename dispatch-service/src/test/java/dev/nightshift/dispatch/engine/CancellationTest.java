package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** A cancellation stops a run at once and keeps a version that has not run from ever running. */
class CancellationTest {

    private final Engine engine = new Engine(Engine.START, 1, 50).assign(0);

    @Test
    void aVersionCancelledWhileQueuedNeverRuns() {
        engine.request("api:1", "v1");
        long queued = engine.request("api:2", "v1");
        long cancellation = engine.cancel("api:2", "v1");

        assertThat(engine.kafka.ledger("api:2", "v1").getState()).isEqualTo(TaskState.CANCELLED);
        assertThat(engine.acknowledged.get(0)).isNull(); // api:1's record, before them, still runs

        engine.runs.last().succeeds(0);

        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.kafka.runEvents("api:2")).isEmpty();
        assertThat(engine.committed(0)).isEqualTo(cancellation);
        assertThat(queued).isLessThan(cancellation);
    }

    @Test
    void aVersionCancelledBeforeItArrivedNeverRuns() {
        engine.cancel("api:1", "v1");
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.CANCELLED);
        assertThat(engine.kafka.ledger("api:1", "v1").getCancelRequested()).isTrue();

        long request = engine.request("api:1", "v1");

        assertThat(engine.runs.started).isEmpty();
        assertThat(engine.committed(0)).isEqualTo(request);
    }

    @Test
    void aCancellationDuringARunStopsItAndItsOutcomeIsCancelledWithNoFurtherAttempt() {
        engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();

        long cancellation = engine.cancel("api:1", "v1");

        assertThat(run.stoppedFor()).isEqualTo("cancelled by a person");
        // written, so that whoever takes the run over after a crash does not start it again
        assertThat(engine.kafka.ledger("api:1", "v1").getCancelRequested()).isTrue();
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.RUNNING);

        run.endsStopped();

        RunFinished finished = (RunFinished) engine.kafka.runBodies("api:1").getLast();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(finished.getFinalAttempt()).isTrue();
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.CANCELLED);
        engine.loop.advance(Duration.ofMinutes(5));
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.committed(0)).isEqualTo(cancellation);
    }

    @Test
    void aCancellationWhileTheLeaseIsBeingWrittenStopsTheRunBeforeItsAgentStarts() {
        engine.kafka.holdWrites();
        engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();
        assertThat(run.agentStarted()).isFalse();

        engine.cancel("api:1", "v1");
        assertThat(run.stoppedFor()).isEqualTo("cancelled by a person");

        engine.kafka.release();
        run.endsStopped();

        assertThat(engine.kafka.runBodies("api:1")).hasExactlyElementsOfTypes(RunStarted.class, RunFinished.class);
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.CANCELLED);
    }

    @Test
    void aCancellationReadAheadOfThePausedListenerReachesTheRunAtOnce() {
        long request = engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();
        assertThat(engine.intakePaused).isTrue();

        engine.dispatcher.cancellationAhead(0, request + 5, Engine.task("api:1",
                dev.nightshift.events.TaskCancelled.newBuilder().setReason("stop it").setTaskVersion("v1").build()));

        assertThat(run.stoppedFor()).isEqualTo("stop it");
    }

    @Test
    void aCancellationBetweenAttemptsEndsTheVersionWithoutAnotherRun() {
        engine.request("api:1", "v1");
        engine.runs.last().fails("flaky tool");
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.RETRY_WAIT);

        long cancellation = engine.cancel("api:1", "v1");
        engine.loop.advance(Duration.ofMinutes(1));

        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.CANCELLED);
        assertThat(engine.committed(0)).isEqualTo(cancellation);
    }
}
