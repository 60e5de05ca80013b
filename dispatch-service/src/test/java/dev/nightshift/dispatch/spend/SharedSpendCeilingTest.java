package dev.nightshift.dispatch.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.nightshift.events.TrustedEvents;
import dev.nightshift.testkit.FakeClock;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TopicWriter;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Two dispatchers share one daily ceiling through nightshift.spend on a real broker: each admits a run only while
 * the day's reservations and spending, its own and the other's, leave room for its budget; a dispatcher started
 * later knows the day before it admits anything; the next day starts from nothing. (The engine's side, a version
 * waiting for the next day, is SpendWaitTest's.)
 */
class SharedSpendCeilingTest {

    /** A zone of its own per test: each test has a day of its own on the shared topic. */
    private final ZoneId zone = ZoneId.of("Etc/GMT-" + (1 + Math.floorMod(UUID.randomUUID().hashCode(), 12)));
    /** Two minutes before midnight in that zone, on a day of its own (the topic keeps three days). */
    private final FakeClock clock = new FakeClock(LocalDate.now().plusDays(1 + Math.floorMod(UUID.randomUUID().hashCode(), 1000))
            .atStartOfDay(zone).toInstant().minus(Duration.ofMinutes(2)));
    private final List<SpendLedger> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(SpendLedger::stop);
    }

    @Test
    void twoDispatchersStayWithinOneCeilingAndTheNextDayStartsFromNothing() throws Exception {
        SpendLedger a = ledger("spend-a");
        SpendLedger b = ledger("spend-b");

        ProducerRecord<String, Object> first = a.reserve("run-1", 0.5);
        write(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> about(b.spentToday(), 0.5));
        assertThat(b.admits(0.5)).isTrue();
        assertThat(b.admits(0.6)).as("$0.50 of $1.00 reserved by the other dispatcher").isFalse();

        write(b.reserve("run-2", 0.5));
        await().atMost(Duration.ofSeconds(10)).until(() -> about(a.spentToday(), 1.0));
        assertThat(a.admits(0.01)).isFalse();
        assertThat(b.admits(0.01)).isFalse();

        // run 1 spent less than it reserved: the difference is free again, on both
        write(a.settle(first, 0.2));
        await().atMost(Duration.ofSeconds(10)).until(() -> about(b.spentToday(), 0.7));
        assertThat(b.admits(0.3)).isTrue();
        assertThat(b.admits(0.31)).isFalse();

        // a third dispatcher, started now, knows the day before it admits anything
        SpendLedger c = ledger("spend-c");
        assertThat(about(c.spentToday(), 0.7)).as("spent today: " + c.spentToday()).isTrue();
        assertThat(c.admits(0.31)).isFalse();

        // midnight in the spend zone: yesterday's reservations no longer count
        Instant midnight = c.nextDay();
        assertThat(Duration.between(clock.instant(), midnight)).isEqualTo(Duration.ofMinutes(2));
        clock.set(midnight);
        assertThat(List.of(a, b, c)).allSatisfy(l -> {
            assertThat(l.spentToday()).isZero();
            assertThat(l.admits(1.0)).isTrue();
        });
        assertThat(c.nextDay()).isEqualTo(midnight.plus(Duration.ofDays(1)));
    }

    private SpendLedger ledger(String instance) {
        SharedInfrastructure infra = SharedInfrastructure.get();
        TrustedEvents.trust();
        KafkaAdmin admin = new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()));
        SpendLedger ledger = new SpendLedger(1.0, zone, clock, instance, admin, Map.of(
                "bootstrap.servers", infra.bootstrapServers(),
                "apicurio.registry.url", infra.registryUrl(),
                "apicurio.registry.use-specific-avro-reader", true));
        ledger.start();
        started.add(ledger);
        return ledger;
    }

    private static boolean about(double usd, double expected) {
        return Math.abs(usd - expected) < 1e-9;
    }

    private static void write(ProducerRecord<String, Object> r) throws Exception {
        TopicWriter.send(r.topic(), r.key(), r.value());
    }
}
