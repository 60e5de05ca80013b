package dev.nightshift.dispatch.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import dev.nightshift.dispatch.engine.Version.Phase;
import dev.nightshift.dispatch.engine.VersionLife.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every move of a version's life, each alone; and every move its life does not make is refused, naming it. */
class VersionLifeTest {

    /** The expected table, written out here on its own: phase, event, the phase it leads to. */
    private static final String[] MOVES = {
            "WAITING, NEW, QUEUED",
            "WAITING, RUNS_ELSEWHERE, WATCHING",
            "WAITING, RETRY_LATER, BACKOFF",
            "WAITING, OUTCOME, FINISHING",
            "WAITING, CANCELLED_BEFORE_RUN, FINISHING",
            "QUEUED, ADMITTED, STARTING",
            "QUEUED, CEILING_REACHED, SPEND_WAIT",
            "QUEUED, OUTCOME, FINISHING",
            "QUEUED, CANCELLED_BEFORE_RUN, FINISHING",
            "STARTING, LEASE_WRITTEN, RUNNING",
            "STARTING, OUTCOME, FINISHING",
            "RUNNING, OUTCOME, FINISHING",
            "WATCHING, RETRY_LATER, BACKOFF",
            "WATCHING, OUTCOME, FINISHING",
            "WATCHING, CANCELLED_BEFORE_RUN, FINISHING",
            "SPEND_WAIT, WAIT_OVER, QUEUED",
            "SPEND_WAIT, OUTCOME, FINISHING",
            "SPEND_WAIT, CANCELLED_BEFORE_RUN, FINISHING",
            "BACKOFF, WAIT_OVER, QUEUED",
            "BACKOFF, OUTCOME, FINISHING",
            "BACKOFF, CANCELLED_BEFORE_RUN, FINISHING",
            "FINISHING, RETRY_LATER, BACKOFF",
            "FINISHING, CANCELLED_BEFORE_RUN, FINISHING",
            "FINISHING, LEASE_WRITTEN, FINISHING",
    };

    static Stream<Arguments> moves() {
        return Stream.of(MOVES).map(m -> m.split(",\\s*"))
                .map(p -> Arguments.of(Phase.valueOf(p[0]), Event.valueOf(p[1]), Phase.valueOf(p[2])));
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @MethodSource("moves")
    void eachMoveOfItsLife(Phase from, Event event, Phase to) {
        assertThat(VersionLife.allows(from, event)).isTrue();
        assertThat(VersionLife.next(from, event)).isEqualTo(to);
    }

    static Stream<Arguments> movesItsLifeDoesNotMake() {
        Set<String> allowed = new HashSet<>();
        for (String move : MOVES) {
            String[] parts = move.split(",\\s*");
            allowed.add(parts[0] + " " + parts[1]);
        }
        return Stream.of(Phase.values()).flatMap(p -> Stream.of(Event.values()).map(e -> Arguments.of(p, e)))
                .filter(a -> !allowed.contains(a.get()[0] + " " + a.get()[1]));
    }

    @ParameterizedTest(name = "{0} on {1} is refused")
    @MethodSource("movesItsLifeDoesNotMake")
    void everyOtherMoveIsRefusedNamingThePhaseAndTheEvent(Phase from, Event event) {
        assertThat(VersionLife.allows(from, event)).isFalse();
        assertThatThrownBy(() -> VersionLife.next(from, event))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(from.name()).hasMessageContaining(event.name());
    }

    @Test
    void theRefusalsAreTheRestOfThePairs() {
        assertThat(movesItsLifeDoesNotMake().count() + MOVES.length).isEqualTo((long) Phase.values().length * Event.values().length);
    }

    @Test
    void aRunTriedTwiceThenSucceeding() {
        assertThat(walk(Phase.WAITING, Event.NEW, Event.ADMITTED, Event.LEASE_WRITTEN, Event.OUTCOME, Event.RETRY_LATER,
                Event.WAIT_OVER, Event.ADMITTED, Event.LEASE_WRITTEN, Event.OUTCOME))
                .containsExactly(Phase.QUEUED, Phase.STARTING, Phase.RUNNING, Phase.FINISHING, Phase.BACKOFF,
                        Phase.QUEUED, Phase.STARTING, Phase.RUNNING, Phase.FINISHING);
    }

    @Test
    void aRunTakenOverFromAnotherInstanceThenRunHere() {
        assertThat(walk(Phase.WAITING, Event.RUNS_ELSEWHERE, Event.OUTCOME, Event.RETRY_LATER, Event.WAIT_OVER))
                .containsExactly(Phase.WATCHING, Phase.FINISHING, Phase.BACKOFF, Phase.QUEUED);
    }

    @Test
    void aVersionWaitingForTheCeilingUntilTomorrowThenRunning() {
        assertThat(walk(Phase.WAITING, Event.NEW, Event.CEILING_REACHED, Event.WAIT_OVER, Event.ADMITTED))
                .containsExactly(Phase.QUEUED, Phase.SPEND_WAIT, Phase.QUEUED, Phase.STARTING);
    }

    @Test
    void aRunningVersionIsNeverQueuedOrAdmittedAgainNorCancelledAsIfItHadNotRun() {
        for (Event e : List.of(Event.NEW, Event.WAIT_OVER, Event.ADMITTED, Event.CANCELLED_BEFORE_RUN, Event.RETRY_LATER)) {
            assertThat(VersionLife.allows(Phase.RUNNING, e)).as(e.name()).isFalse();
        }
    }

    @Test
    void aVersionAppliesItsEventsAndStaysWhereItWasWhenOneIsRefused() {
        Version v = new Version("api:1", "v1", 0, 0, null);
        v.apply(Event.NEW);
        assertThatThrownBy(() -> v.apply(Event.LEASE_WRITTEN)).hasMessageContaining("QUEUED").hasMessageContaining("LEASE_WRITTEN");
        assertThat(v.phase()).isEqualTo(Phase.QUEUED);
    }

    private static List<Phase> walk(Phase from, Event... events) {
        Phase at = from;
        List<Phase> path = new ArrayList<>();
        for (Event e : events) {
            at = VersionLife.next(at, e);
            path.add(at);
        }
        return path;
    }
}
