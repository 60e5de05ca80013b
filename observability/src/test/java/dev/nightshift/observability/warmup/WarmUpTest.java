package dev.nightshift.observability.warmup;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.health.contributor.Status;

class WarmUpTest {

    @Test
    void runsThePhasesInOrderAndIsUpWithWhatEachTook() throws Exception {
        List<String> ran = new CopyOnWriteArrayList<>();
        WarmUp warmUp = new WarmUp(List.of(WarmUpPhase.of("producer", () -> ran.add("producer")),
                WarmUpPhase.of("schemas", () -> ran.add("schemas"))), Duration.ofSeconds(10));
        assertThat(warmUp.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        warmUp.run(new DefaultApplicationArguments());

        assertThat(warmUp.awaitWarm(Duration.ofSeconds(5))).isTrue();
        assertThat(ran).containsExactly("producer", "schemas");
        assertThat(warmUp.health().getStatus()).isEqualTo(Status.UP);
        assertThat(warmUp.health().getDetails()).containsOnlyKeys("producer", "schemas");
        warmUp.destroy();
    }

    @Test
    void aFailingPhaseHoldsStartUpOnlyUntilItFailsThenIsTriedAgainAndReadinessWaitsForIt() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        CountDownLatch registryBack = new CountDownLatch(1);
        WarmUp warmUp = new WarmUp(List.of(WarmUpPhase.of("schemas", () -> {
            tries.incrementAndGet();
            if (registryBack.getCount() > 0) {
                throw new IllegalStateException("registry not answering");
            }
        })), Duration.ofSeconds(30));

        long start = System.nanoTime();
        warmUp.run(new DefaultApplicationArguments());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("start-up goes on after the first failure").isLessThan(Duration.ofSeconds(5));
        assertThat(warmUp.isWarm()).isFalse();
        assertThat(warmUp.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        assertThat(warmUp.health().getDetails()).containsEntry("warming", "schemas");
        assertThat((String) warmUp.health().getDetails().get("lastFailure")).contains("registry not answering");

        registryBack.countDown();
        assertThat(warmUp.awaitWarm(Duration.ofSeconds(10))).isTrue();
        assertThat(tries.get()).isGreaterThanOrEqualTo(2);
        assertThat(warmUp.health().getStatus()).isEqualTo(Status.UP);
        warmUp.destroy();
    }

    @Test
    void startUpWaitsForTheFirstPassUpToItsBound() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        WarmUp warmUp = new WarmUp(List.of(WarmUpPhase.of("consumers", never::await)), Duration.ofMillis(300));
        long start = System.nanoTime();
        warmUp.run(new DefaultApplicationArguments());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        assertThat(warmUp.progress()).isEqualTo("consumers");
        warmUp.destroy();
    }
}
