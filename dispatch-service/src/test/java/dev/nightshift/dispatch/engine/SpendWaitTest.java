package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskState;
import org.junit.jupiter.api.Test;

/** A run today's spend ceiling has no room for waits for the next day, neither failed nor acknowledged. */
class SpendWaitTest {

    private static final Instant BEFORE_MIDNIGHT = Instant.parse("2026-12-05T23:59:00Z");
    private static final Instant MIDNIGHT = Instant.parse("2026-12-06T00:00:00Z");

    private final Engine engine = new Engine(BEFORE_MIDNIGHT, 4, 1.5).assign(0);

    @Test
    void aRunOverTodaysCeilingWaitsUntilMidnightThenStarts() {
        engine.request("api:1", "v1");
        engine.request("api:2", "v1");

        assertThat(engine.runs.started).hasSize(1);
        RunWaiting waiting = (RunWaiting) engine.kafka.runBodies("api:2").getFirst();
        assertThat(waiting.getUntil()).isEqualTo(MIDNIGHT);
        assertThat(waiting.getReason()).contains("$1.50");
        assertThat(engine.kafka.ledger("api:2", "v1")).isNull();
        assertThat(engine.meter("nightshift.dispatch.spend.waits")).isEqualTo(1);

        // what api:1 spent still counts today
        engine.runs.started.getFirst().succeeds(1.0);
        engine.loop.advance(Duration.ofSeconds(59));
        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.committed(0)).as("api:2's record waits with it").isEqualTo(0);

        engine.loop.advance(Duration.ofSeconds(1));

        assertThat(engine.runs.started).hasSize(2);
        assertThat(engine.runs.last().events.taskKey()).isEqualTo("api:2");
        assertThat(engine.kafka.spend().getLast().getDay()).isEqualTo("2026-12-06 UTC");
        engine.runs.last().succeeds(0.5);
        assertThat(engine.kafka.ledger("api:2", "v1").getState()).isEqualTo(TaskState.SUCCEEDED);
        assertThat(engine.committed(0)).isEqualTo(1);
    }

    @Test
    void aVersionCancelledWhileItWaitsForTheCeilingNeverRuns() {
        engine.request("api:1", "v1");
        engine.request("api:2", "v1");

        long cancellation = engine.cancel("api:2", "v1");
        engine.loop.advance(Duration.ofMinutes(2));

        assertThat(engine.runs.started).hasSize(1);
        assertThat(engine.kafka.ledger("api:2", "v1").getState()).isEqualTo(TaskState.CANCELLED);
        engine.runs.started.getFirst().succeeds(1.0);
        assertThat(engine.committed(0)).isEqualTo(cancellation);
    }
}
