package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** A step that throws leaves its version in a defined state: failed, with the reason, never half-updated. */
class StepFailureTest {

    private final Engine engine = new Engine().assign(0);

    @Test
    void aStepThatThrowsBeforeTheRunStartsEndsTheVersionFailedWithTheReason() {
        engine.runs.startsFailWith(new IllegalStateException("no thread left for the run"));
        long offset = engine.request("api:1", "v1");

        RunFinished finished = (RunFinished) engine.kafka.runBodies("api:1").getLast();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(finished.getReason()).contains("dispatch failed").contains("no thread left for the run");
        assertThat(finished.getFinalAttempt()).isTrue();
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.FAILED);
        assertThat(engine.committed(0)).isEqualTo(offset);
        assertThat(engine.spend.spentToday()).as("its reservation is released").isZero();

        // the engine goes on: the task's next version runs
        engine.runs.startsFailWith(null);
        engine.request("api:1", "v2");
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.runs.last().agentStarted()).isTrue();
    }

    @Test
    void aStepThatThrowsDuringARunStopsItAndTheVersionEndsFailedOnce() {
        engine.request("api:1", "v1");
        StandInRuns.Run run = engine.runs.last();

        engine.kafka.nextWriteThrows(new IllegalArgumentException("the entry could not be serialized"));
        long cancellation = engine.cancel("api:1", "v1");

        assertThat(run.stoppedFor()).isNotNull();
        List<RunEvent> events = engine.kafka.runEvents("api:1");
        RunFinished finished = (RunFinished) events.getLast().getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(finished.getReason()).contains("could not be serialized");
        assertThat(events.getLast().getRunId()).isEqualTo(run.events.runId());
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.FAILED);
        assertThat(engine.kafka.ledgerEntries("api:1", "v1")).extracting(e -> e.getState())
                .as("the failed version counts as the one the cancellation reached: no entry for an unseen version")
                .doesNotContain(TaskState.CANCELLED);

        // the stopped run's own end writes nothing more
        run.endsStopped();
        assertThat(engine.kafka.runEvents("api:1")).hasSize(events.size());
        assertThat(engine.committed(0)).isEqualTo(cancellation);
    }

    @Test
    void aStepThatThrowsWhenEvenItsFailureCannotBeWrittenHandsTheVersionOver() {
        engine.runs.startsFailWith(new IllegalStateException("no thread left for the run"));
        engine.kafka.nextWriteThrows(new IllegalStateException("the publisher is gone"));

        engine.request("api:1", "v1");

        assertThat(engine.kafka.runEvents("api:1")).isEmpty();
        assertThat(engine.kafka.ledger("api:1", "v1")).isNull();
        assertThat(engine.committed(0)).as("left for the next delivery").isEqualTo(-1);

        // dropped here, not stuck: the next delivery of the record decides it afresh
        engine.runs.startsFailWith(null);
        engine.request("api:1", "v1");
        assertThat(engine.runs.started).hasSize(1);
    }
}
