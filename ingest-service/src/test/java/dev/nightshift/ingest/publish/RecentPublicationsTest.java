package dev.nightshift.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class RecentPublicationsTest {

    private final AtomicLong nanos = new AtomicLong();
    private final RecentPublications recent = new RecentPublications(100, Duration.ofHours(1), nanos::get);

    private long soon() {
        return System.currentTimeMillis() + 2_000;
    }

    @Test
    void theFirstTakesTheKeyAndARepeatAfterItsPublicationIsARepeat() {
        RecentPublications.Turn first = recent.take("todoist:1 added", soon());
        assertThat(first).isInstanceOf(RecentPublications.Turn.Publish.class);
        assertThat(recent.published("todoist:1 added")).as("under way is not published yet").isFalse();
        recent.done((RecentPublications.Turn.Publish) first);

        assertThat(recent.published("todoist:1 added")).isTrue();
        assertThat(recent.take("todoist:1 added", soon())).isInstanceOf(RecentPublications.Turn.Repeat.class);
        assertThat(recent.take("todoist:2 added", soon())).isInstanceOf(RecentPublications.Turn.Publish.class);
    }

    @Test
    void aRepeatWaitsForThePublicationUnderWayAndIsARepeatOnceItSucceeds() throws Exception {
        var first = (RecentPublications.Turn.Publish) recent.take("k", soon());
        CompletableFuture<RecentPublications.Turn> second = CompletableFuture.supplyAsync(() -> recent.take("k", soon()));
        Thread.sleep(100);
        assertThat(second).as("waits while the first is under way").isNotDone();
        recent.done(first);
        assertThat(second.get(2, TimeUnit.SECONDS)).isInstanceOf(RecentPublications.Turn.Repeat.class);
    }

    @Test
    void aFailedPublicationFreesTheKeyForTheRepeatWaitingOnIt() throws Exception {
        var first = (RecentPublications.Turn.Publish) recent.take("k", soon());
        CompletableFuture<RecentPublications.Turn> second = CompletableFuture.supplyAsync(() -> recent.take("k", soon()));
        Thread.sleep(100);
        recent.failed("k", first, new RetryLater("Kafka refused it"));
        assertThat(second.get(2, TimeUnit.SECONDS)).isInstanceOf(RecentPublications.Turn.Publish.class);
        assertThat(recent.published("k")).isFalse();
    }

    @Test
    void aRepeatThatCannotLearnTheOutcomeInTimeIsToldToRetry() {
        recent.take("k", soon());
        assertThatThrownBy(() -> recent.take("k", System.currentTimeMillis() + 50))
                .isInstanceOf(RetryLater.class).hasMessageContaining("under way");
    }

    @Test
    void itForgetsAfterItsAgeAndKeepsAtMostItsNumberOfKeys() {
        recent.done((RecentPublications.Turn.Publish) recent.take("old", soon()));
        nanos.addAndGet(Duration.ofMinutes(61).toNanos());
        assertThat(recent.published("old")).isFalse();
        assertThat(recent.take("old", soon())).isInstanceOf(RecentPublications.Turn.Publish.class);

        for (int i = 0; i < 10_000; i++) {
            recent.done((RecentPublications.Turn.Publish) recent.take("key " + i, soon()));
        }
        assertThat(recent.publishedWithPrefix("key ").size()).isLessThanOrEqualTo(100);
    }

    @Test
    void aTasksVersionsAreFoundByPrefix() {
        recent.done((RecentPublications.Turn.Publish) recent.take("api:a request", soon()));
        recent.take("api:a other", soon()); // under way: not yet
        recent.done((RecentPublications.Turn.Publish) recent.take("api:ab request", soon()));
        assertThat(recent.publishedWithPrefix("api:a ")).containsExactly("api:a request");
    }
}
