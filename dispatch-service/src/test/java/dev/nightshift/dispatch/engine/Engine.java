package dev.nightshift.dispatch.engine;

import dev.nightshift.testkit.FakeClock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.observability.KafkaTraces;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One dispatch engine wired to in-memory parts: a clock and a loop the test drives, the broker in memory, runs the test
 * ends. Task records arrive on the partitions it was assigned, one offset after another.
 */
final class Engine {

    static final String ME = "dispatch-a";
    static final String OTHER = "dispatch-b";
    static final Instant START = Instant.parse("2026-12-05T09:00:00Z");

    static {
        TrustedEvents.trust(); // Avro copies our event classes (a ledger entry merged with a cancellation, a run event)
    }

    final FakeClock clock;
    final ManualLoop loop;
    final InMemoryKafka kafka;
    final StandInRuns runs = new StandInRuns();
    final StandInSpend spend;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Dispatcher dispatcher;
    final EngineSettings settings;
    /** Per partition: the offsets acknowledged, in order (each commits the partition up to it). */
    final Map<Integer, List<Long>> acknowledged = new HashMap<>();
    private final Map<Integer, Long> nextOffset = new HashMap<>();
    boolean intakePaused;

    Engine() {
        this(START, 2, 50);
    }

    Engine(Instant start, int maxRunsInFlight, double ceilingUsd) {
        this(start, maxRunsInFlight, ceilingUsd, Duration.ofDays(30));
    }

    Engine(Instant start, int maxRunsInFlight, double ceilingUsd, Duration ledgerRetention) {
        clock = new FakeClock(start);
        loop = new ManualLoop(clock);
        kafka = new InMemoryKafka(clock);
        spend = new StandInSpend(ceilingUsd, clock);
        settings = new EngineSettings(Duration.ofSeconds(15), ledgerRetention, Duration.ofSeconds(30), maxRunsInFlight, Duration.ZERO,
                Duration.ofSeconds(1), List.of("claude", "codex"));
        Intake intake = new Intake() {
            @Override
            public void pause() {
                intakePaused = true;
            }

            @Override
            public void resume() {
                intakePaused = false;
            }
        };
        dispatcher = new Dispatcher(settings, runs, kafka, kafka, intake, new DispatchMetrics(meters, new RunSupervisor(null)), spend, ME,
                KafkaTraces.none(), clock, loop);
        kafka.readBy(dispatcher);
        dispatcher.start();
    }

    Engine assign(Integer... partitions) {
        Map<Integer, Long> positions = new HashMap<>();
        Arrays.stream(partitions).forEach(p -> positions.put(p, nextOffset.getOrDefault(p, 0L)));
        dispatcher.assigned(positions);
        return this;
    }

    /** A request for this version of the task, on partition 0; returns its offset. */
    long request(String taskKey, String version) {
        return deliver(0, task(taskKey, TaskRequested.newBuilder().setTaskVersion(version).setPrompt("do it").setWorker(worker()).build()));
    }

    long cancel(String taskKey, String version) {
        return deliver(0, task(taskKey, TaskCancelled.newBuilder().setReason("cancelled by a person").setTaskVersion(version).build()));
    }

    long deliver(int partition, TaskEvent event) {
        long offset = nextOffset.merge(partition, 1L, Long::sum) - 1;
        dispatcher.received(partition, offset, () -> acknowledged.computeIfAbsent(partition, p -> new ArrayList<>()).add(offset), event,
                new RecordHeaders());
        return offset;
    }

    /** The offset the partition is committed up to (the last acknowledged), or -1. */
    long committed(int partition) {
        List<Long> acks = acknowledged.getOrDefault(partition, List.of());
        return acks.isEmpty() ? -1 : acks.getLast();
    }

    double meter(String name, String... tags) {
        var counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    static TaskEvent task(String taskKey, Object body) {
        return TaskEvent.newBuilder().setTaskKey(taskKey).setEventId(taskKey + "-" + body.hashCode()).setOccurredAt(START)
                .setTask(TaskRef.newBuilder().setSource(Source.API).setSourceId(taskKey).setTitle(taskKey).build())
                .setBody(body).build();
    }

    static WorkerSpec worker() {
        return WorkerSpec.newBuilder().setName("writer").setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(60_000).setMaxAttempts(3).build())
                .setOutputs(OutputSinks.of(List.of())).build();
    }

    /** A lease another instance holds on the version's attempt, until then. */
    static TaskLedgerEntry leaseElsewhere(String taskKey, String version, int attempt, Instant until) {
        return TaskLedgerEntry.newBuilder().setTaskKey(taskKey).setTaskVersion(version).setState(TaskState.RUNNING).setAttempt(attempt)
                .setMaxAttempts(3).setRunId("run-of-" + OTHER).setInstance(OTHER).setLeaseUntil(until).setUpdatedAt(START).build();
    }

    static TaskLedgerEntry endedElsewhere(String taskKey, String version, TaskState state) {
        return TaskLedgerEntry.newBuilder().setTaskKey(taskKey).setTaskVersion(version).setState(state).setAttempt(1)
                .setMaxAttempts(3).setRunId("run-of-" + OTHER).setInstance(OTHER).setUpdatedAt(START).build();
    }
}
