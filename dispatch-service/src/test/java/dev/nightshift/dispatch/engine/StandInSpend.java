package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.SpendEntry;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The shared daily ceiling as nightshift.spend holds it, in memory, one UTC day at a time, on the test's clock. */
final class StandInSpend implements SpendCeiling {

    private final double ceilingUsd;
    private final Clock clock;
    /** Per day, per run: what it counts (its reservation, or once settled what it spent). */
    private final Map<String, Map<String, Double>> days = new HashMap<>();

    StandInSpend(double ceilingUsd, Clock clock) {
        this.ceilingUsd = ceilingUsd;
        this.clock = clock;
    }

    @Override
    public double ceilingUsd() {
        return ceilingUsd;
    }

    @Override
    public String today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC) + " UTC";
    }

    @Override
    public Instant nextDay() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    @Override
    public double spentToday() {
        return days.getOrDefault(today(), Map.of()).values().stream().mapToDouble(Double::doubleValue).sum();
    }

    @Override
    public boolean admits(double budgetUsd) {
        return spentToday() + budgetUsd <= ceilingUsd + 1e-9;
    }

    @Override
    public ProducerRecord<String, Object> reserve(String runId, double budgetUsd) {
        days.computeIfAbsent(today(), d -> new HashMap<>()).put(runId, budgetUsd);
        return record(new SpendEntry(today(), runId, "test", budgetUsd, null, clock.instant()));
    }

    @Override
    public ProducerRecord<String, Object> settle(ProducerRecord<String, Object> reservation, double spentUsd) {
        SpendEntry r = (SpendEntry) reservation.value();
        days.computeIfAbsent(r.getDay(), d -> new HashMap<>()).put(r.getRunId(), spentUsd);
        return record(new SpendEntry(r.getDay(), r.getRunId(), "test", r.getReservedUsd(), spentUsd, clock.instant()));
    }

    private static ProducerRecord<String, Object> record(SpendEntry e) {
        return new ProducerRecord<>(Topics.SPEND, 0, e.getRunId(), e);
    }
}
