package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/**
 * The ledger remembers a version for {@code ledger-retention}: a dispatcher forgets the ended ones past it, as Kafka
 * deletes their entries, and keeps everything still going, whatever its age.
 */
class LedgerRetentionTest {

    private final Engine engine = new Engine(Engine.START, 2, 50, Duration.ofHours(2)).assign(0);

    @Test
    void aDuplicateWithinTheRetentionStartsNothingAndOnePastItRunsAgain() {
        engine.request("api:1", "v1");
        engine.runs.last().succeeds(0);
        engine.loop.advance(Duration.ofMinutes(90));

        engine.request("api:1", "v1");
        assertThat(engine.runs.started).as("ended 90 minutes ago: remembered").hasSize(1);

        // swept every hour: forgotten by the first sweep past the retention
        engine.loop.advance(Duration.ofMinutes(100));
        engine.request("api:1", "v1");
        assertThat(engine.runs.started).as("ended 190 minutes ago, past the retention of 2 hours: forgotten").hasSize(2);
    }

    @Test
    void aRunWatchedOnAnotherInstanceIsNeverForgottenHoweverOld() {
        // another instance's lease, written long ago (and good for hours): not ended, so not forgotten
        engine.kafka.writtenElsewhere(0, Engine.leaseElsewhere("api:2", "v1", 1, Engine.START.plus(Duration.ofHours(10))));
        engine.loop.advance(Duration.ofHours(3));
        engine.request("api:2", "v1");

        assertThat(engine.runs.started).as("still leased elsewhere: watched, not run").isEmpty();
    }

    @Test
    void aVersionInHandIsKeptThoughItsEndIsPastTheRetention() {
        // ended long ago elsewhere; its record comes again and waits behind another version of its task
        engine.kafka.writtenElsewhere(0, Engine.endedElsewhere("api:3", "v1", TaskState.SUCCEEDED));
        engine.request("api:3", "v0");
        engine.request("api:3", "v1");
        engine.loop.advance(Duration.ofHours(3));
        engine.runs.last().succeeds(0);

        assertThat(engine.runs.started).as("v0 ran; v1, in hand when the ledger was swept, was known to have ended").hasSize(1);
    }
}
