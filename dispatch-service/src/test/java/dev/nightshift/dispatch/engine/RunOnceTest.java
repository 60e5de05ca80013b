package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** A version's ordinary life, and a duplicate of one that ended: it runs once. */
class RunOnceTest {

    private final Engine engine = new Engine().assign(0);

    @Test
    void aNewVersionRunsAfterItsLeaseIsOnKafkaAndItsRecordIsAcknowledgedWithItsOutcome() {
        long offset = engine.request("api:1", "v1");

        StandInRuns.Run run = engine.runs.last();
        assertThat(run.agentStarted()).isTrue();
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.RUNNING);
        assertThat(engine.kafka.ledger("api:1", "v1").getInstance()).isEqualTo(Engine.ME);
        assertThat(engine.kafka.ledger("api:1", "v1").getLeaseUntil()).isEqualTo(Engine.START.plusSeconds(15));
        assertThat(engine.committed(0)).isEqualTo(-1);

        run.succeeds(0.25);

        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(engine.kafka.runBodies("api:1")).hasExactlyElementsOfTypes(RunStarted.class, RunFinished.class);
        assertThat(((RunFinished) engine.kafka.runBodies("api:1").getLast()).getFinalAttempt()).isTrue();
        assertThat(engine.committed(0)).isEqualTo(offset);
        assertThat(engine.kafka.spend().getLast().getSpentUsd()).isEqualTo(0.25);
    }

    @Test
    void aDuplicateAfterRestartStartsNothingWhenTheLedgerSaysItEnded() {
        Engine restarted = new Engine();
        restarted.kafka.writtenElsewhere(0, Engine.endedElsewhere("api:1", "v1", TaskState.SUCCEEDED));
        restarted.assign(0);

        long offset = restarted.request("api:1", "v1");

        assertThat(restarted.runs.started).isEmpty();
        assertThat(restarted.kafka.ledgerEntries("api:1", "v1")).hasSize(1);
        assertThat(restarted.kafka.runEvents("api:1")).isEmpty();
        assertThat(restarted.committed(0)).isEqualTo(offset);
        assertThat(restarted.meter("nightshift.dispatch.duplicates", "why", "ended")).isEqualTo(1);
    }

    @Test
    void anotherDeliveryOfAVersionRunningHereStartsNothingAndIsAcknowledgedWithIt() {
        long first = engine.request("api:1", "v1");
        long second = engine.request("api:1", "v1");

        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.meter("nightshift.dispatch.duplicates", "why", "running")).isEqualTo(1);

        engine.runs.last().succeeds(0);

        assertThat(engine.acknowledged.get(0)).containsExactly(first, second);
    }

    @Test
    void versionsOfOneTaskRunOneAfterAnother() {
        engine.request("api:1", "v1");
        engine.request("api:1", "v2");

        assertThat(engine.runs.started).hasSize(1);

        engine.runs.last().succeeds(0);

        assertThat(engine.runs.started).hasSize(2);
        assertThat(engine.runs.last().events.attempt()).isEqualTo(1);
        assertThat(engine.kafka.ledger("api:1", "v2").getState()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void aFailedRunIsTriedAgainAfterTheBackoffAndAcknowledgedOnlyWithItsLastOutcome() {
        engine.request("api:1", "v1");
        engine.runs.last().fails("the API was overloaded");

        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.RETRY_WAIT);
        assertThat(engine.kafka.ledger("api:1", "v1").getNextAttemptAt()).isEqualTo(Engine.START.plusSeconds(30));
        assertThat(engine.committed(0)).isEqualTo(-1);

        engine.loop.advance(Duration.ofSeconds(29));
        assertThat(engine.runs.started).hasSize(1);

        engine.loop.advance(Duration.ofSeconds(1));
        assertThat(engine.runs.started).hasSize(2);
        assertThat(engine.runs.last().events.attempt()).isEqualTo(2);

        engine.runs.last().succeeds(0);
        assertThat(engine.kafka.ledger("api:1", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(engine.committed(0)).isEqualTo(0);
    }

    @Test
    void atTheLimitOfRunsInFlightTheIntakeIsPausedUntilOneEnds() {
        engine.request("api:1", "v1");
        assertThat(engine.intakePaused).isFalse();
        engine.request("api:2", "v1");
        assertThat(engine.intakePaused).isTrue();
        engine.request("api:3", "v1");
        assertThat(engine.runs.started).hasSize(2);

        engine.runs.started.getFirst().succeeds(0);

        assertThat(engine.runs.started).hasSize(3);
        assertThat(engine.runs.last().events.taskKey()).isEqualTo("api:3");
        assertThat(engine.intakePaused).isTrue();

        engine.runs.last().succeeds(0);
        assertThat(engine.intakePaused).isFalse();
        assertThat(engine.kafka.ledger("api:3", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(((RunFinished) engine.kafka.runBodies("api:3").getLast()).getOutcome()).isEqualTo(Outcome.SUCCEEDED);
    }
}
