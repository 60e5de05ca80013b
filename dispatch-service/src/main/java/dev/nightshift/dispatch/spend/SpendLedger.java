package dev.nightshift.dispatch.spend;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.SpendEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.follower.Follower;
import dev.nightshift.follower.ReaderProperties;
import dev.nightshift.lifecycle.Phase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The daily spend ceiling every dispatcher shares, kept on nightshift.spend: each run reserves its cost
 * budget before its agent starts (in the same transaction as its lease) and settles with what it spent
 * (with its outcome). A run is admitted while the day's total plus its budget stays within the ceiling;
 * two dispatchers deciding at once can each admit one run the other has not read yet, so the overshoot
 * is bounded by the reservations in flight. Reads the topic from the start (it keeps three days) and
 * starts only once caught up, so a restarted dispatcher knows the day before it admits anything.
 */
public class SpendLedger implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SpendLedger.class);
    /** How long start-up waits to know the day before it gives up (a broker that does not answer). */
    private static final Duration CATCH_UP = Duration.ofSeconds(60);

    private final double ceilingUsd;
    private final ZoneId zone;
    private final Clock clock;
    private final String instance;
    private final KafkaAdmin admin;
    private final DailySpend spend = new DailySpend();
    private final Follower<Object> follower;

    /**
     * @param ceilingUsd what all dispatchers together may spend in one day
     * @param zone       where the day begins and ends
     */
    public SpendLedger(double ceilingUsd, ZoneId zone, Clock clock, String instance, KafkaAdmin admin, Map<String, Object> consumerProperties) {
        this.ceilingUsd = ceilingUsd;
        this.zone = zone;
        this.clock = clock;
        this.instance = instance;
        this.admin = admin;
        this.follower = new Follower<>("spend-reader", Topics.SPEND, ReaderProperties.of(consumerProperties, "nightshift-dispatch-spend"), this::apply);
    }

    public double ceilingUsd() {
        return ceilingUsd;
    }

    /** Today in the spend zone, zone included: a deployment that changes its zone starts a day of its own. */
    public String today() {
        return day(LocalDate.now(clock.withZone(zone)));
    }

    private String day(LocalDate date) {
        return date + " " + zone.getId();
    }

    /** When the next day begins in the spend zone. */
    public Instant nextDay() {
        return LocalDate.now(clock.withZone(zone)).plusDays(1).atStartOfDay(zone).toInstant();
    }

    public double spentToday() {
        return spend.total(today());
    }

    /** Whether a run with this budget fits in what is left of today's ceiling. */
    public boolean admits(double budgetUsd) {
        return spend.total(today()) + budgetUsd <= ceilingUsd + 1e-9;
    }

    /** The run's reservation, counted here at once; write it with the run's lease. */
    public ProducerRecord<String, Object> reserve(String runId, double budgetUsd) {
        return write(new SpendEntry(today(), runId, instance, budgetUsd, null, clock.instant()));
    }

    /** The run's settlement on the day it reserved; write it with the run's outcome. */
    public ProducerRecord<String, Object> settle(ProducerRecord<String, Object> reservation, double spentUsd) {
        SpendEntry r = (SpendEntry) reservation.value();
        return write(new SpendEntry(r.getDay(), r.getRunId(), instance, r.getReservedUsd(), spentUsd, clock.instant()));
    }

    private ProducerRecord<String, Object> write(SpendEntry e) {
        spend.apply(e);
        return new ProducerRecord<>(Topics.SPEND, 0, e.getRunId(), e);
    }

    @Override
    public void start() {
        admin.createOrModifyTopics(TopicBuilder.name(Topics.SPEND).partitions(1)
                .config("retention.ms", Long.toString(Duration.ofDays(3).toMillis())).build());
        follower.start();
        try {
            follower.readToEnd().get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + Topics.SPEND + " up to its end", e);
        } catch (ExecutionException | TimeoutException e) {
            follower.stop();
            throw new IllegalStateException("could not read " + Topics.SPEND + " up to its end within " + CATCH_UP
                    + " (is Kafka reachable?): without it the day's spend is unknown: " + e, e);
        }
        log.info("daily spend ceiling ${} ({}): ${} of it spent or reserved today", ceilingUsd, zone, "%.2f".formatted(spentToday()));
    }

    private void apply(ConsumerRecord<String, Object> r) {
        if (r.value() instanceof SpendEntry e) {
            spend.apply(e);
        }
        spend.forgetBefore(day(LocalDate.now(clock.withZone(zone)).minusDays(1)));
    }

    @Override
    public void stop() {
        follower.stop();
    }

    @Override
    public boolean isRunning() {
        return follower.isRunning();
    }

    /** Started before the dispatcher, which admits runs only once the day is known. */
    @Override
    public int getPhase() {
        return Phase.STATE.value();
    }
}
