package dev.nightshift.dispatch.engine;

import java.time.Duration;

import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.RunFinished;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.stereotype.Component;

/** The dispatcher's meters: runs in flight, time queued, runs by worker and outcome, cost and tokens, leases taken over, duplicates. */
@Component
class DispatchMetrics {

    private final MeterRegistry meters;
    private final Timer queued;
    private final Counter takenOver;

    DispatchMetrics(MeterRegistry meters, RunSupervisor supervisor) {
        this.meters = meters;
        Gauge.builder("nightshift.dispatch.runs.in.flight", supervisor, RunSupervisor::inFlight)
                .description("Agents running on this instance")
                .register(meters);
        this.queued = Timer.builder("nightshift.dispatch.queued")
                .description("From a task event's arrival to its agent's start")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.takenOver = Counter.builder("nightshift.dispatch.leases.taken.over")
                .description("Runs of another instance whose lease expired (the instance died or stopped) and that this one took over")
                .register(meters);
    }

    void queued(long receivedNanos) {
        queued.record(Duration.ofNanos(System.nanoTime() - receivedNanos));
    }

    /** A run that waits for the next day: today's spend ceiling has no room for it. */
    void spendWait() {
        Counter.builder("nightshift.dispatch.spend.waits")
                .description("Runs held back until the next day by the daily spend ceiling")
                .register(meters)
                .increment();
    }

    void takenOver() {
        takenOver.increment();
    }

    /** A task event that started nothing: its version had ended, or ran already (here or elsewhere). */
    void duplicate(String why) {
        Counter.builder("nightshift.dispatch.duplicates")
                .description("Task events that started nothing because their version ended or runs already")
                .tag("why", why)
                .register(meters)
                .increment();
    }

    void finished(String worker, String adapter, RunFinished finished) {
        Timer.builder("nightshift.dispatch.runs")
                .description("Agent runs by worker, adapter and outcome")
                .tag("worker", worker)
                .tag("adapter", adapter)
                .tag("outcome", finished.getOutcome().name().toLowerCase())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofSeconds(1))
                .maximumExpectedValue(Duration.ofHours(4))
                .register(meters)
                .record(Duration.ofMillis(finished.getDurationMillis()));
        if (finished.getCostUsd() != null) {
            Counter.builder("nightshift.dispatch.cost.usd")
                    .description("What the agents' runs cost, in USD, by worker")
                    .tag("worker", worker)
                    .register(meters)
                    .increment(finished.getCostUsd());
        }
        tokens(worker, "input", finished.getInputTokens());
        tokens(worker, "output", finished.getOutputTokens());
    }

    private void tokens(String worker, String kind, Long count) {
        if (count != null) {
            Counter.builder("nightshift.dispatch.tokens")
                    .description("Tokens the agents' runs used, by worker and kind (input, output)")
                    .tag("worker", worker)
                    .tag("kind", kind)
                    .register(meters)
                    .increment(count);
        }
    }
}
