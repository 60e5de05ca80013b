package dev.nightshift.dispatch.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;

import dev.nightshift.events.SpendEntry;
import org.junit.jupiter.api.Test;

class DailySpendTest {

    private final DailySpend spend = new DailySpend();

    @Test
    void aRunCountsItsReservationUntilItSettlesThenWhatItSpent() {
        spend.apply(entry("d1", "r1", 0.5, null));
        spend.apply(entry("d1", "r2", 0.5, null));
        assertThat(spend.total("d1")).isCloseTo(1.0, within(1e-9));
        spend.apply(entry("d1", "r1", 0.5, 0.12));
        assertThat(spend.total("d1")).isCloseTo(0.62, within(1e-9));
        assertThat(spend.total("d2")).isZero();
    }

    @Test
    void aReservationReadBackAfterItsSettlementDoesNotUndoIt() {
        // this instance applies its own writes at once; Kafka then returns the reservation, then the settlement
        spend.apply(entry("d1", "r1", 0.5, null));
        spend.apply(entry("d1", "r1", 0.5, 0.1));
        spend.apply(entry("d1", "r1", 0.5, null));
        assertThat(spend.total("d1")).isCloseTo(0.1, within(1e-9));
    }

    @Test
    void pastDaysAreForgotten() {
        spend.apply(entry("2026-11-20 UTC", "r1", 0.5, null));
        spend.apply(entry("2026-11-21 UTC", "r2", 0.5, null));
        spend.forgetBefore("2026-11-21 UTC");
        assertThat(spend.total("2026-11-20 UTC")).isZero();
        assertThat(spend.total("2026-11-21 UTC")).isEqualTo(0.5);
    }

    private static SpendEntry entry(String day, String run, double reserved, Double spent) {
        return new SpendEntry(day, run, "i", reserved, spent, Instant.EPOCH);
    }
}
