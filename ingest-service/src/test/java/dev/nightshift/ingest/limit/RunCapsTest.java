package dev.nightshift.ingest.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import dev.nightshift.ingest.limit.RunCaps.Admission;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.junit.jupiter.api.Test;

class RunCapsTest {

    /** Time that moves only when told. */
    static final class TestClock extends Clock {
        private Instant now = Instant.parse("2026-12-04T10:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static final LimitsProperties DEFAULTS = new LimitsProperties(30, 10, 1000);

    private static Worker worker(String limits) {
        return WorkerCatalogue.parse("""
                workers:
                  - name: reviewer
                    trigger: {github: {repository: acme/api, pull-requests: true}}
                    goal: Review {{url}}
                    agent: {adapter: claude}
                    budget: {wall-time: 5m}
                    outputs: [{github: {}}]
                %s
                """.formatted(limits)).workers().getFirst();
    }

    @Test
    void anAuthorPastTheirCapIsRefusedAndAnotherIsNot() {
        TestClock clock = new TestClock();
        RunCaps caps = new RunCaps(DEFAULTS, clock);
        Worker w = worker("    limits: {runs-per-author-per-hour: 2}");

        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Admitted.class);
        Admission third = caps.admit(w, "mallory");
        assertThat(third).isInstanceOfSatisfying(Admission.Capped.class, c -> {
            assertThat(c.reason()).isEqualTo("mallory has started 2 runs of worker reviewer in the last hour"
                    + " (worker reviewer's limits.runs-per-author-per-hour)");
            assertThat(c.scope()).isEqualTo("author");
            assertThat(c.replyDue()).as("the first refusal in the window is answered").isTrue();
        });
        assertThat(caps.admit(w, "mallory")).isInstanceOfSatisfying(Admission.Capped.class,
                c -> assertThat(c.replyDue()).as("once per window").isFalse());
        assertThat(caps.admit(w, "bob")).as("another author is unaffected").isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void runsComeBackAsTheHourPassesAndTheNextWindowIsAnsweredAgain() {
        TestClock clock = new TestClock();
        RunCaps caps = new RunCaps(DEFAULTS, clock);
        Worker w = worker("    limits: {runs-per-author-per-hour: 2}");
        caps.admit(w, "mallory");
        caps.admit(w, "mallory");
        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Capped.class);

        clock.advance(Duration.ofMinutes(29));
        assertThat(caps.admit(w, "mallory")).as("one run's worth comes back each half hour").isInstanceOfSatisfying(Admission.Capped.class,
                c -> assertThat(c.replyDue()).isFalse());
        clock.advance(Duration.ofMinutes(1));
        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Capped.class);

        clock.advance(Duration.ofMinutes(31)); // 11:01: the next hour, and one run back
        assertThat(caps.admit(w, "mallory")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "mallory")).isInstanceOfSatisfying(Admission.Capped.class,
                c -> assertThat(c.replyDue()).as("a new window is answered once more").isTrue());
    }

    @Test
    void theWorkersCapCountsEveryAuthorAndDefaultsToTheServiceSetting() {
        TestClock clock = new TestClock();
        RunCaps caps = new RunCaps(new LimitsProperties(3, 10, 1000), clock);
        Worker w = worker("");

        assertThat(caps.admit(w, "a")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "b")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, null)).as("no author: the worker's cap only").isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "c")).isInstanceOfSatisfying(Admission.Capped.class, c -> {
            assertThat(c.reason()).isEqualTo("worker reviewer has started 3 runs in the last hour (nightshift.ingest.limits.runs-per-hour)");
            assertThat(c.scope()).isEqualTo("worker");
        });
        // c's refusal by the worker's cap took nothing from c: once the worker has room, c has its own runs
        clock.advance(Duration.ofMinutes(20));
        assertThat(caps.admit(w, "c")).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void aRefundGivesTheRunBackOnce() {
        RunCaps caps = new RunCaps(DEFAULTS, new TestClock());
        Worker w = worker("    limits: {runs-per-hour: 1}");

        Admission first = caps.admit(w, "alice");
        ((Admission.Admitted) first).refund().run();
        ((Admission.Admitted) first).refund().run();
        assertThat(caps.admit(w, "alice")).isInstanceOf(Admission.Admitted.class);
        assertThat(caps.admit(w, "alice")).as("the second refund gave nothing more").isInstanceOf(Admission.Capped.class);
    }

    @Test
    void authorsAreBoundedInNumber() {
        RunCaps caps = new RunCaps(new LimitsProperties(1_000_000, 1, 10), new TestClock());
        Worker w = worker("");
        for (int i = 0; i < 10_000; i++) {
            caps.admit(w, "author-" + i);
        }
        assertThat(caps.authorsKept()).isLessThanOrEqualTo(10 + 1);
    }
}
