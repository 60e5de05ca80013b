package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.dispatch.budget.RetryPolicy;
import dev.nightshift.dispatch.ledger.LedgerReader;
import dev.nightshift.dispatch.ledger.TaskLedger;
import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunOutcome;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.KafkaTraces;
import io.micrometer.tracing.Span;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Decides what happens to every task version this instance sees, on one thread of its own: everything it
 * knows (the ledger of its partitions, the records it holds, the runs it has going) is touched only there,
 * so there are no locks. Records, ledger entries, the ends of runs and timers all arrive as tasks on that
 * thread. The rules:
 * <ul>
 * <li>A version starts only if the ledger says it has not ended and nobody holds a lease on it; before its
 * agent starts, its lease (RUNNING, this instance, until when) is on Kafka.</li>
 * <li>A run's lease is renewed while it goes on. A run whose lease passed is taken over by the partition's
 * owner: the lost run is reported failed, and the next attempt starts at once.</li>
 * <li>A run's outcome and its ledger entry are written in one transaction; only then are the task's records
 * acknowledged, and offsets never move past a record whose work has not ended.</li>
 * <li>Events of one task are handled in order, except a cancellation, which reaches the run at once.</li>
 * </ul>
 */
public class Dispatcher implements SmartLifecycle, LedgerReader.Listener {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** Slack on a foreign lease before taking it over, for clocks that differ a little. */
    private static final Duration TAKEOVER_SLACK = Duration.ofSeconds(1);

    private final EngineSettings properties;
    private final Runs runs;
    private final Writes publisher;
    private final LedgerFeed reader;
    private final Intake intake;
    private final DispatchMetrics metrics;
    private final LedgerEntries entries;
    private final SpendCeiling spend;
    private final Clock clock;
    private final EngineLoop loop;

    // --- touched only on the dispatcher's thread ---
    private final TaskLedger ledger = new TaskLedger();
    private final Map<Integer, OwnedPartition> owned = new HashMap<>();
    private final Map<String, Version> versions = new HashMap<>();
    private final Map<String, ArrayDeque<Version>> byTask = new HashMap<>();
    private final ArrayDeque<Version> ready = new ArrayDeque<>();
    private Instant nextRenewal = Instant.EPOCH;
    private volatile boolean running;
    private volatile boolean stopping;
    private volatile boolean handOverNow;
    /** How a person cuts a stop's wait short, for the line that says what the stop waits for; null: nobody can. */
    private volatile String handOverNowBy;

    private final KafkaTraces traces;

    /**
     * @param reader what it reads of the ledger comes back through {@link LedgerReader.Listener}, which this is
     * @param clock  the time leases, backoffs and the spend day are judged by
     * @param loop   the one thread everything here happens on
     */
    Dispatcher(EngineSettings properties, Runs runs, Writes publisher, LedgerFeed reader, Intake intake, DispatchMetrics metrics,
            SpendCeiling spend, String instance, KafkaTraces traces, Clock clock, EngineLoop loop) {
        this.traces = traces;
        this.properties = properties;
        this.runs = runs;
        this.publisher = publisher;
        this.reader = reader;
        this.intake = intake;
        this.metrics = metrics;
        this.entries = new LedgerEntries(instance);
        this.spend = spend;
        this.clock = clock;
        this.loop = loop;
    }

    // ------------------------------------------------------------------ entry points (any thread)

    /** A task record; {@code ack} commits up to it once its work and the work of every record before it ended. */
    public void received(int partition, long offset, Acknowledgment ack, TaskEvent event, Headers headers) {
        post(() -> onReceived(partition, offset, ack, event, headers));
    }

    /** A record that could not be read (it went to the dead-letter topic): it ends at once. */
    public void undecodable(int partition, long offset, Acknowledgment ack) {
        post(() -> {
            OwnedPartition o = owned.get(partition);
            if (o != null) {
                o.offsets.received(offset, ack);
                o.offsets.ended(offset).ifPresent(Acknowledgment::acknowledge);
            }
        });
    }

    /** @param positions each assigned partition, and the offset the listener starts it from */
    public void assigned(Map<Integer, Long> positions) {
        post(() -> positions.forEach(this::onAssigned));
    }

    /**
     * Waits until the group has assigned this instance task partitions and their ledger is read, so a task
     * arriving then is decided at once. False if none were assigned within {@code atMost} (before the topic
     * exists, or with more dispatchers than partitions); throws if their ledger was not read within it.
     */
    public boolean awaitAssignedAndRead(Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (true) {
            CompletableFuture<Map<Integer, Boolean>> read = new CompletableFuture<>();
            post(() -> {
                Map<Integer, Boolean> now = new HashMap<>();
                owned.forEach((partition, o) -> now.put(partition, o.ledgerRead));
                read.complete(now);
            });
            Map<Integer, Boolean> now = read.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            if (!now.isEmpty() && !now.containsValue(false)) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                if (now.isEmpty()) {
                    return false;
                }
                throw new TimeoutException("the ledger of task partitions " + now + " (partition: read) was not read within " + atMost);
            }
            Thread.sleep(20);
        }
    }

    /** Blocks until what was written about these partitions is on Kafka, so their next owner reads it. */
    public void revoked(Collection<Integer> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        CompletableFuture<CompletableFuture<Void>> flushed = new CompletableFuture<>();
        post(() -> {
            partitions.forEach(this::onRevoked);
            flushed.complete(publisher.flush());
        });
        try {
            flushed.thenCompose(f -> f).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("giving up partitions {} before what was written about them was confirmed: {}", partitions, e.getMessage());
        }
    }

    @Override
    public void entry(int partition, TaskLedgerEntry entry) {
        post(() -> onLedgerEntry(partition, entry));
    }

    @Override
    public void caughtUp(int partition) {
        post(() -> onCaughtUp(partition));
    }

    @Override
    public void cancellationAhead(int partition, long offset, TaskEvent event) {
        post(() -> onCancellationAhead(partition, offset, event));
    }

    /** A step about no one version (a partition, a timer tick): should it throw, it is logged. */
    private void post(Runnable step) {
        loop.execute(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                log.error("dispatcher step failed: {}", e.getMessage(), e);
            }
        });
    }

    /** A step about one version: should it throw, the version ends in a defined state ({@link #fault}). */
    private void post(Version v, Runnable step) {
        loop.execute(() -> guarded(v, step));
    }

    /** Where what a write about this version does once it completes runs: the loop, guarded. */
    private Executor inLoop(Version v) {
        return step -> post(v, step);
    }

    private void guarded(Version v, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            fault(v, e);
        }
    }

    /**
     * A step about this version threw. It is never left half-updated: it ends failed, with the reason (its run,
     * if one goes on here, is stopped, and its failure is the outcome); if its outcome was on Kafka already, or
     * the failure cannot be written either, it is handed over: dropped here, its records not acknowledged, the
     * ledger saying what it said, for the partition's next owner (or this one, on the record's next delivery).
     */
    private void fault(Version v, RuntimeException e) {
        String reason = "dispatch failed handling it: " + e;
        if (versions.get(v.key()) != v) {
            log.error("{}: a step failed after it ended here: {}", v, e.toString(), e);
            return;
        }
        if (v.faulted != null || v.endWritten || v.phase == Version.Phase.FINISHING) {
            // its failure could not be written, its end is on Kafka already, or an outcome is being written
            log.error("{}: {}; handed over", v, reason, e);
            handOver(v, reason);
            return;
        }
        log.error("{}: {}; it ends failed", v, reason, e);
        v.faulted = reason;
        try {
            if (v.run != null) {
                v.abandoned = reason; // its end writes nothing: the failure below is its outcome
                v.run.stop(reason);
            }
            RunEvents events = new RunEvents(v.request, v.runId != null ? v.runId : UUID.randomUUID().toString(), Math.max(1, v.attempt), clock);
            writeOutcome(v, events, new AttemptRunner.Attempt(RunOutcome.notRun(reason), false), null);
        } catch (RuntimeException again) {
            log.error("{}: its failure could not be written either ({}); handed over", v, again.toString(), again);
            handOver(v, reason);
        }
    }

    /** Drops the version here without acknowledging its records; a run of it still going is stopped and left to be taken over. */
    private void handOver(Version v, String reason) {
        try {
            if (v.run != null) {
                v.abandoned = reason;
                v.run.stop(reason);
            }
        } finally {
            drop(v);
        }
    }

    // ------------------------------------------------------------------ partitions

    private void onAssigned(int partition, long position) {
        owned.put(partition, new OwnedPartition());
        reader.watch(partition);
        reader.scout(partition, position);
        log.info("task partition {} assigned; reading its ledger", partition);
    }

    private void onCaughtUp(int partition) {
        OwnedPartition o = owned.get(partition);
        if (o == null || o.ledgerRead) {
            return;
        }
        o.ledgerRead = true;
        log.info("task partition {}: ledger read, {} task record(s) waited for it", partition, o.waitingForLedger.size());
        o.waitingForLedger.forEach(Runnable::run);
        o.waitingForLedger.clear();
    }

    private void onRevoked(int partition) {
        owned.remove(partition);
        reader.stopScouting(partition);
        for (Version v : List.copyOf(versions.values())) {
            if (v.partition != partition) {
                continue;
            }
            v.records.clear();
            if (!v.runsHere()) {
                drop(v);
            }
        }
        releaseLedgerIfUnused(partition);
        log.info("task partition {} revoked; {} run(s) on it go on here", partition,
                versions.values().stream().filter(v -> v.partition == partition).count());
    }

    /** The ledger partition is read while this instance owns the task partition or runs one of its tasks. */
    private void releaseLedgerIfUnused(int partition) {
        if (!owned.containsKey(partition) && versions.values().stream().noneMatch(v -> v.partition == partition)) {
            reader.unwatch(partition);
            ledger.forget(partition);
        }
    }

    // ------------------------------------------------------------------ records

    private void onReceived(int partition, long offset, Acknowledgment ack, TaskEvent event, Headers trace) {
        OwnedPartition o = owned.get(partition);
        if (o == null) {
            return; // revoked meanwhile: its next owner gets it again
        }
        o.offsets.received(offset, ack);
        Version.Held held = new Version.Held(partition, offset, ack, trace);
        Runnable handle = () -> handle(held, event);
        if (o.ledgerRead) {
            handle.run();
        } else {
            o.waitingForLedger.add(handle);
        }
    }

    private void handle(Version.Held held, TaskEvent event) {
        switch (event.getBody()) {
            case TaskRequested r -> request(held, event, r);
            case TaskCancelled c -> cancel(held, event.getTaskKey(), c);
            case TaskDeclined d -> {
                // ingest's answer to a request it did not publish (report writes it): nothing to run
                log.info("{}: declined by ingest ({}), nothing to run", event.getTaskKey(), d.getReason());
                acknowledge(held);
            }
            default -> {
                log.warn("{}: unknown task event body {}, skipped", event.getTaskKey(), event.getBody().getClass().getName());
                acknowledge(held);
            }
        }
    }

    private void request(Version.Held held, TaskEvent event, TaskRequested r) {
        String key = Version.key(event.getTaskKey(), r.getTaskVersion());
        Version known = versions.get(key);
        if (known != null) {
            // another delivery of a version in hand, or its record again after the partition came back
            known.records.add(held);
            metrics.duplicate(known.runsHere() ? "running" : "in_hand");
            log.info("{}: another event of a version in hand ({}), nothing started", known, known.phase);
            return;
        }
        Version v = new Version(event.getTaskKey(), r.getTaskVersion(), held.partition(), held.offset(), event);
        v.trace = held.trace();
        v.records.add(held);
        Long cancelledAt = owned.get(held.partition()).cancelledAhead.get(v.taskKey);
        if (cancelledAt != null && cancelledAt > held.offset()) {
            v.cancelRequested = true; // a cancellation further on in the partition, read ahead: it never starts
        }
        versions.put(key, v);
        ArrayDeque<Version> queue = byTask.computeIfAbsent(v.taskKey, k -> new ArrayDeque<>());
        queue.add(v);
        if (queue.peekFirst() == v) {
            guarded(v, () -> decide(v));
        }
    }

    /** The version's turn has come: what the ledger says decides what happens. */
    private void decide(Version v) {
        Optional<TaskLedgerEntry> entry = ledger.get(v.partition, v.taskKey, v.taskVersion);
        if (entry.isEmpty()) {
            if (v.cancelRequested) {
                endCancelledBeforeRun(v, "cancelled before it ran");
            } else {
                enqueue(v);
            }
            return;
        }
        TaskLedgerEntry e = entry.get();
        v.attempt = e.getAttempt();
        v.runId = e.getRunId();
        v.cancelRequested |= e.getCancelRequested();
        switch (e.getState()) {
            case RUNNING -> {
                v.phase = Version.Phase.WATCHING;
                metrics.duplicate("running_elsewhere");
                log.info("{}: attempt {} runs on {} (lease until {}); watching it", v, e.getAttempt(), e.getInstance(), e.getLeaseUntil());
                checkLease(v, e);
            }
            case RETRY_WAIT -> nextAttemptUnlessCancelled(v, e.getNextAttemptAt());
            default -> {
                metrics.duplicate("ended");
                log.info("{}: already ended ({}), nothing started", v, e.getState());
                complete(v);
            }
        }
    }

    private void nextAttemptUnlessCancelled(Version v, Instant at) {
        if (v.cancelRequested) {
            endCancelledBeforeRun(v, "cancelled between attempts");
        } else {
            backoff(v, at);
        }
    }

    private void enqueue(Version v) {
        v.phase = Version.Phase.QUEUED;
        if (v.takenOver) {
            ready.addFirst(v); // it was running already: it goes before what has not started yet
        } else {
            ready.add(v);
        }
        startWhatFits();
    }

    private void backoff(Version v, Instant at) {
        queueAt(v, Version.Phase.BACKOFF, at, "cancelled before its next attempt");
    }

    /** Holds the version in {@code phase} until {@code at}, then queues it, unless it was cancelled meanwhile. */
    private void queueAt(Version v, Version.Phase phase, Instant at, String cancelledWhy) {
        v.phase = phase;
        v.timer = loop.schedule(Duration.between(clock.instant(), at), () -> guarded(v, () -> {
            if (v.phase == phase && versions.get(v.key()) == v) {
                if (v.cancelRequested) {
                    endCancelledBeforeRun(v, cancelledWhy);
                } else {
                    enqueue(v);
                }
            }
        }));
    }

    // ------------------------------------------------------------------ runs

    /**
     * Today's spend ceiling has no room for this run: it waits, neither failed nor acknowledged, until the
     * next day in the spend zone; its task hears of it once a day.
     */
    private void waitForTomorrow(Version v, double budget) {
        Instant until = spend.nextDay();
        String today = spend.today();
        String reason = "today's spend ceiling of $%.2f is reached ($%.2f spent or reserved; this run's budget is $%.2f)"
                .formatted(spend.ceilingUsd(), spend.spentToday(), budget);
        log.warn("{}: waits until {}: {}", v, until, reason);
        metrics.spendWait();
        if (!today.equals(v.spendNoticeDay)) {
            v.spendNoticeDay = today;
            RunEvents notice = new RunEvents(v.request, UUID.randomUUID().toString(), v.attempt + 1, clock);
            publisher.write(List.of(runEventRecord(v, notice.of(RunWaiting.newBuilder().setReason(reason).setUntil(until).build()))));
        }
        queueAt(v, Version.Phase.SPEND_WAIT, until, "cancelled while waiting for the spend ceiling");
    }

    private void startWhatFits() {
        while (!ready.isEmpty() && !stopping && runs.inFlight() < properties.maxRunsInFlight()) {
            Version v = ready.poll();
            if (v.phase == Version.Phase.QUEUED && versions.get(v.key()) == v) {
                guarded(v, () -> begin(v));
            }
        }
        if (runs.inFlight() >= properties.maxRunsInFlight()) {
            intake.pause();
        } else {
            intake.resume();
        }
    }

    private void begin(Version v) {
        Optional<String> refusal = runs.refusal(v.body().getWorker());
        double budget = runs.costBudget(v.body().getWorker());
        if (refusal.isEmpty() && !spend.admits(budget)) {
            waitForTomorrow(v, budget);
            return;
        }
        v.attempt++;
        v.runId = UUID.randomUUID().toString();
        v.span = traces.start(v.trace, "nightshift run").tag("nightshift.task", v.taskKey).tag("nightshift.run", v.runId)
                .tag("nightshift.worker", v.body().getWorker().getName());
        RunEvents events = new RunEvents(v.request, v.runId, v.attempt, clock);
        if (refusal.isPresent()) {
            log.warn("refusing {} for worker {}: {}", v, v.body().getWorker().getName(), refusal.get());
            writeOutcome(v, events, new AttemptRunner.Attempt(RunOutcome.notRun(refusal.get()), false), Duration.ZERO);
            return;
        }
        v.phase = Version.Phase.STARTING;
        v.reservation = spend.reserve(v.runId, budget);
        Instant now = clock.instant();
        TaskLedgerEntry lease = entries.running(v, now.plus(properties.leaseTtl()), now);
        RunEvent started = events.of(RunStarted.newBuilder().setAdapter(v.body().getWorker().getAgent().getAdapter())
                .setModel(v.body().getWorker().getAgent().getModel()).build());
        // the run's thread prepares its workspace and sandbox now; its agent starts once the lease is on Kafka
        CompletableFuture<Void> leaseWritten = new CompletableFuture<>();
        v.run = runs.start(events, v.body(), leaseWritten, progress -> publisher.writeSoon(runEventRecord(v, progress)),
                attempt -> post(v, () -> onRunEnded(v, events, attempt)));
        publisher.write(List.of(LedgerEntries.record(v.partition, lease), v.reservation, runEventRecord(v, started))).whenCompleteAsync((ok, failed) -> {
            if (failed != null) {
                log.warn("{}: not started, its lease was not written: {}", v, failed.getMessage());
                v.abandoned = "its lease was not written";
                spend.settle(v.reservation, 0); // counted here only: it never reached Kafka
                v.reservation = null;
                leaseWritten.completeExceptionally(failed);
                return;
            }
            ledger.apply(v.partition, lease);
            v.leaseConfirmedUntil = lease.getLeaseUntil();
            if (v.phase == Version.Phase.STARTING) {
                v.phase = Version.Phase.RUNNING;
            }
            if (v.attempt == 1) {
                metrics.queued(v.receivedNanos);
            }
            leaseWritten.complete(null);
        }, inLoop(v));
        if (v.cancelRequested) {
            v.run.stop(v.cancelReason == null ? "cancelled" : v.cancelReason);
        }
    }

    /** The run's thread is done (its processes are gone): its outcome is written, unless it was abandoned. */
    private void onRunEnded(Version v, RunEvents events, AttemptRunner.Attempt attempt) {
        v.run = null;
        if (v.abandoned != null) {
            // stopped for a reason of ours: its lease says who may take it over, and when
            log.warn("{}: run {} stopped ({}); it is left to be taken over", v, events.runId(), v.abandoned);
            drop(v);
            startWhatFits();
            return;
        }
        writeOutcome(v, events, attempt, null);
    }

    /**
     * Writes the outcome and what comes next (another attempt after a backoff, or the end) in one transaction.
     *
     * @param backoffOverride the wait before the next attempt, when not the retry policy's
     */
    private void writeOutcome(Version v, RunEvents events, AttemptRunner.Attempt attempt, Duration backoffOverride) {
        RunFinished f = attempt.finished();
        Optional<Duration> wait = v.cancelRequested ? Optional.empty()
                : RetryPolicy.nextAttempt(f.getOutcome(), attempt.agentRan(), events.attempt(), v.maxAttempts(), properties.retryBackoff())
                        .map(policy -> backoffOverride != null ? backoffOverride : policy);
        boolean again = wait.isPresent();
        f.setFinalAttempt(!again);
        Instant now = clock.instant();
        Instant next = wait.map(now::plus).orElse(null);
        TaskLedgerEntry entry = again ? entries.retryWait(v, next, now) : entries.ended(v, f.getOutcome(), now);
        v.phase = Version.Phase.FINISHING;
        List<ProducerRecord<String, Object>> records = new ArrayList<>(List.of(LedgerEntries.record(v.partition, entry), runEventRecord(v, events.of(f))));
        if (v.reservation != null) {
            records.add(spend.settle(v.reservation, f.getCostUsd() == null ? 0 : f.getCostUsd()));
            v.reservation = null;
        }
        if (v.span != null) {
            v.span.end(); // the attempt's span ends with its outcome handed to Kafka
            v.span = null;
        }
        publisher.write(records).whenCompleteAsync((ok, failed) -> {
            if (failed != null) {
                log.error("{}: the outcome of run {} was not written: {}", v, events.runId(), failed.getMessage());
                drop(v);
                return;
            }
            v.endWritten = !again;
            ledger.apply(v.partition, entry);
            String adapter = v.body().getWorker().getAgent().getAdapter();
            metrics.finished(v.body().getWorker().getName(), properties.adapters().contains(adapter) ? adapter : "other", f);
            log.info("run {} of {} finished: {}{}{}", events.runId(), v, f.getOutcome(), f.getReason() == null ? "" : " (" + f.getReason() + ")",
                    again ? "; attempt " + (events.attempt() + 1) + " at " + next : "");
            if (!again) {
                complete(v);
            } else if (v.cancelRequested && owned.containsKey(v.partition)) {
                endCancelledBeforeRun(v, "cancelled before its next attempt");
            } else if (owned.containsKey(v.partition)) {
                backoff(v, next);
            } else {
                drop(v); // the partition's owner schedules the next attempt from the ledger
            }
            startWhatFits();
        }, inLoop(v));
    }

    /** Ends a version whose (next) attempt never ran, cancelled first: a final entry, no run events. */
    private CompletableFuture<Void> endCancelledBeforeRun(Version v, String why) {
        if (v.timer != null) {
            v.timer.cancel();
        }
        ready.remove(v);
        v.phase = Version.Phase.FINISHING;
        TaskLedgerEntry entry = entries.ended(v, Outcome.CANCELLED, clock.instant());
        log.info("{}: {}", v, why);
        return publisher.write(List.of(LedgerEntries.record(v.partition, entry))).whenCompleteAsync((ok, failed) -> {
            if (failed == null) {
                v.endWritten = true;
                ledger.apply(v.partition, entry);
                complete(v);
            }
        }, inLoop(v));
    }

    // ------------------------------------------------------------------ cancellation

    /** Read ahead of the listener (it may be paused): stops what the cancellation will stop when it gets there. */
    private void onCancellationAhead(int partition, long offset, TaskEvent event) {
        OwnedPartition o = owned.get(partition);
        if (o == null || !o.ledgerRead) {
            return; // the listener's own reading of it will do
        }
        TaskCancelled c = (TaskCancelled) event.getBody();
        if (o.cancelledAhead.merge(event.getTaskKey(), offset, Math::max) > offset) {
            return;
        }
        for (Version v : inHand(event.getTaskKey())) {
            if (v.partition == partition && v.firstOffset < offset && !v.cancelRequested
                    && (c.getTaskVersion() == null || c.getTaskVersion().equals(v.taskVersion))) {
                log.info("{}: cancellation read ahead at offset {}", v, offset);
                guarded(v, () -> cancel(v, reason(c)));
            }
        }
    }

    /** The versions of a task this instance holds, in arrival order (a copy: cancelling one may remove it). */
    private List<Version> inHand(String taskKey) {
        ArrayDeque<Version> queue = byTask.get(taskKey);
        return queue == null ? List.of() : List.copyOf(queue);
    }

    private static String reason(TaskCancelled c) {
        return c.getReason() == null || c.getReason().isBlank() ? "cancelled" : c.getReason();
    }

    private void cancel(Version.Held held, String taskKey, TaskCancelled c) {
        String reason = reason(c);
        OwnedPartition o = owned.get(held.partition());
        if (o != null) {
            o.cancelledAhead.remove(taskKey, held.offset());
        }
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Version v : inHand(taskKey)) {
            if (c.getTaskVersion() == null || c.getTaskVersion().equals(v.taskVersion)) {
                try {
                    writes.add(cancel(v, reason));
                } catch (RuntimeException e) {
                    fault(v, e);
                }
            }
        }
        if (c.getTaskVersion() != null && writes.isEmpty()
                && ledger.get(held.partition(), taskKey, c.getTaskVersion()).map(e -> !TaskLedger.isFinal(e.getState())).orElse(true)) {
            // a version not seen yet: it must never run
            TaskLedgerEntry entry = entries.cancelledUnseen(taskKey, c.getTaskVersion(), clock.instant());
            writes.add(publisher.write(List.of(LedgerEntries.record(held.partition(), entry))));
        }
        log.info("{}: cancelled ({}), {} version(s) affected", taskKey, reason, writes.size());
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenCompleteAsync((ok, failed) -> acknowledge(held), this::post);
    }

    /** Stops or skips one version; completes once the cancellation is on the ledger. */
    private CompletableFuture<?> cancel(Version v, String reason) {
        v.cancelRequested = true;
        v.cancelReason = reason;
        return switch (v.phase) {
            case WAITING, QUEUED, BACKOFF, SPEND_WAIT -> endCancelledBeforeRun(v, "cancelled before its " + (v.attempt == 0 ? "first" : "next") + " attempt");
            case STARTING, RUNNING -> {
                if (v.run != null) {
                    v.run.stop(reason);
                }
                // recorded, so that whoever takes the run over after a crash does not start it again
                Instant now = clock.instant();
                yield publisher.write(List.of(LedgerEntries.record(v.partition,
                        entries.running(v, v.leaseConfirmedUntil == null ? now.plus(properties.leaseTtl()) : v.leaseConfirmedUntil, now))));
            }
            case WATCHING -> ledger.get(v.partition, v.taskKey, v.taskVersion)
                    .map(e -> (CompletableFuture<?>) publisher.write(List.of(LedgerEntries.record(v.partition,
                            LedgerEntries.cancelRequested(e, clock.instant())))))
                    .orElse(CompletableFuture.completedFuture(null));
            case FINISHING -> CompletableFuture.completedFuture(null);
        };
    }

    // ------------------------------------------------------------------ the ledger

    private void onLedgerEntry(int partition, TaskLedgerEntry entry) {
        if (!ledger.apply(partition, entry)) {
            return;
        }
        Version v = versions.get(Version.key(entry.getTaskKey(), entry.getTaskVersion()));
        if (v == null) {
            return;
        }
        guarded(v, () -> onLedgerEntry(v, ledger.get(partition, entry.getTaskKey(), entry.getTaskVersion()).orElseThrow()));
    }

    /** What the ledger now says of a version in hand. */
    private void onLedgerEntry(Version v, TaskLedgerEntry now) {
        if (now.getCancelRequested() && !v.cancelRequested) {
            v.cancelRequested = true;
            v.cancelReason = "cancelled";
            if (v.run != null) {
                log.info("{}: cancellation seen on the ledger, stopping run {}", v, v.runId);
                v.run.stop("cancelled");
            }
        }
        if (v.phase != Version.Phase.WATCHING) {
            return;
        }
        v.attempt = now.getAttempt();
        v.runId = now.getRunId();
        switch (now.getState()) {
            case RUNNING -> checkLease(v, now);
            case RETRY_WAIT -> nextAttemptUnlessCancelled(v, now.getNextAttemptAt());
            default -> {
                log.info("{}: ended on {} ({})", v, now.getInstance(), now.getState());
                complete(v);
            }
        }
    }

    /** A run this instance watches: taken over once its lease passed, unless it is a run of ours. */
    private void checkLease(Version v, TaskLedgerEntry e) {
        Instant expiry = e.getLeaseUntil() == null ? Instant.EPOCH : e.getLeaseUntil();
        if (clock.instant().isBefore(expiry.plus(TAKEOVER_SLACK))) {
            return;
        }
        metrics.takenOver();
        v.takenOver = true;
        log.warn("{}: the lease of run {} (attempt {}, {}) expired at {}; taking it over", v, e.getRunId(), e.getAttempt(),
                e.getInstance(), expiry);
        RunEvents lost = new RunEvents(v.request, e.getRunId() == null ? UUID.randomUUID().toString() : e.getRunId(), e.getAttempt(), clock);
        writeOutcome(v, lost, new AttemptRunner.Attempt(RunOutcome.lost(e.getInstance(), v.cancelRequested), true), Duration.ZERO);
    }

    // ------------------------------------------------------------------ the end of a version

    /** The version's work has ended: its records are acknowledged, and it is dropped. */
    private void complete(Version v) {
        for (Version.Held h : v.records) {
            acknowledge(h);
        }
        v.records.clear();
        drop(v);
    }

    /** The record's work has ended: the partition's offset may move past it. */
    private void acknowledge(Version.Held held) {
        OwnedPartition o = owned.get(held.partition());
        if (o != null) {
            o.offsets.ended(held.offset()).ifPresent(Acknowledgment::acknowledge);
        }
    }

    /** No longer in hand here (its records are not acknowledged by this): the next version of its task gets its turn. */
    private void drop(Version v) {
        if (v.timer != null) {
            v.timer.cancel();
        }
        ready.remove(v);
        versions.remove(v.key(), v);
        ArrayDeque<Version> queue = byTask.get(v.taskKey);
        if (queue != null) {
            boolean wasHead = queue.peekFirst() == v;
            queue.remove(v);
            if (queue.isEmpty()) {
                byTask.remove(v.taskKey);
            } else if (wasHead && queue.peekFirst().phase == Version.Phase.WAITING && owned.containsKey(queue.peekFirst().partition)) {
                Version next = queue.peekFirst();
                guarded(next, () -> decide(next));
            }
        }
        if (!owned.containsKey(v.partition)) {
            releaseLedgerIfUnused(v.partition);
        }
    }

    // ------------------------------------------------------------------ leases, every second

    private void tick() {
        Instant now = clock.instant();
        if (!now.isBefore(nextRenewal)) {
            nextRenewal = now.plus(properties.leaseTtl().dividedBy(3));
            renewLeases(now);
        }
        for (Version v : List.copyOf(versions.values())) {
            if (v.phase == Version.Phase.WATCHING) {
                ledger.get(v.partition, v.taskKey, v.taskVersion)
                        .filter(e -> e.getState() == TaskState.RUNNING)
                        .ifPresent(e -> guarded(v, () -> checkLease(v, e)));
            } else if (v.phase == Version.Phase.RUNNING && v.run != null && v.abandoned == null
                    && v.leaseConfirmedUntil != null && now.isAfter(v.leaseConfirmedUntil)) {
                // our lease could not be renewed: another instance may take the run over, so this one must stop
                log.error("{}: the lease of run {} could not be renewed (Kafka unreachable?); stopping the run", v, v.runId);
                v.abandoned = "its lease expired";
                v.run.stop("its lease expired before it could be renewed");
            }
        }
    }

    private void renewLeases(Instant now) {
        List<ProducerRecord<String, Object>> renewals = new ArrayList<>();
        Map<Version, TaskLedgerEntry> leases = new HashMap<>();
        for (Version v : versions.values()) {
            if (v.phase == Version.Phase.RUNNING && v.abandoned == null) {
                TaskLedgerEntry lease = entries.running(v, now.plus(properties.leaseTtl()), now);
                leases.put(v, lease);
                renewals.add(LedgerEntries.record(v.partition, lease));
            }
        }
        if (renewals.isEmpty()) {
            return;
        }
        publisher.write(renewals).whenCompleteAsync((ok, failed) -> {
            if (failed != null) {
                return;
            }
            leases.forEach((v, lease) -> {
                if (v.phase == Version.Phase.RUNNING) {
                    v.leaseConfirmedUntil = lease.getLeaseUntil();
                    ledger.apply(v.partition, lease);
                }
            });
        }, this::post);
    }

    /**
     * A run event, carrying its attempt's trace on to report; one written outside an attempt (a wait, a run
     * lost with its dispatcher) gets a span of its own in the task's trace.
     */
    private ProducerRecord<String, Object> runEventRecord(Version v, RunEvent event) {
        ProducerRecord<String, Object> record = new ProducerRecord<>(Topics.RUNS, event.getTaskKey(), event);
        Span span = v.span != null ? v.span : traces.start(v.trace, "nightshift run event");
        traces.inject(span, record.headers());
        if (span != v.span) {
            span.end();
        }
        return record;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start() {
        running = true;
        stopping = false;
        loop.every(Duration.ofSeconds(1), () -> post(this::tick));
    }

    /**
     * Runs after the listener stopped (its partitions are given up; their new owners watch our leases). The runs
     * in progress get {@code shutdown-wait} to end and report, unless {@link #handOverNow()} cuts it short; the
     * rest are stopped and their leases released, so another instance takes them over at once as their next attempt.
     */
    @Override
    public void stop() {
        stopping = true;
        Duration wait = properties.shutdownWait();
        long inProgress = loop.call(() -> versions.values().stream().filter(Version::runsHere).count());
        if (inProgress > 0 && wait.isPositive() && !handOverNow) {
            // the one line that explains a stop that seems to hang
            String them = inProgress == 1 ? "it" : "them";
            log.info("Waiting up to {} for {} run{} in progress (nightshift.dispatch.shutdown-wait); {}",
                    written(wait), inProgress, inProgress == 1 ? "" : "s",
                    handOverNowBy == null ? "then " + (inProgress == 1 ? "it is" : "they are") + " stopped and handed over"
                            : handOverNowBy + " to stop " + them + " now and hand " + them + " over");
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (!handOverNow && System.nanoTime() < deadline && !loop.call(() -> versions.values().stream().noneMatch(Version::runsHere))) {
            sleep(200);
        }
        handOverWhatStillRuns();
        loop.shutdown(Duration.ofSeconds(5));
        running = false;
    }

    /**
     * Cuts a stop's wait short, from any thread, before or during the stop: the runs still going are stopped now
     * and handed over, as when {@code shutdown-wait} ends.
     */
    public void handOverNow() {
        handOverNow = true;
    }

    /** @param how what a person does to call {@link #handOverNow()} ("press Ctrl-C again"), named when a stop waits */
    public void handOverNowBy(String how) {
        handOverNowBy = how;
    }

    /** Stops the runs still going and releases their leases, so the next owner takes them over at once. */
    private void handOverWhatStillRuns() {
        Map<Version, RunSupervisor.RunHandle> left = loop.call(() -> {
            Map<Version, RunSupervisor.RunHandle> abandoned = new HashMap<>();
            versions.values().stream().filter(v -> v.run != null).forEach(v -> {
                v.abandoned = "dispatch is stopping";
                v.run.stop("dispatch is stopping; the run is handed over");
                abandoned.put(v, v.run);
            });
            return abandoned;
        });
        if (left.isEmpty()) {
            return;
        }
        for (RunSupervisor.RunHandle run : left.values()) {
            try {
                run.thread().join(properties.killGrace().plusSeconds(15).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Instant now = clock.instant();
        publisher.write(left.keySet().stream().map(v -> LedgerEntries.record(v.partition, entries.running(v, now, now))).toList());
        log.info("handed over {} run(s) still going {}", left.size(), handOverNow ? "(asked to stop them now)"
                : "after " + written(properties.shutdownWait()));
    }

    /** As a setting is written: 5m, 30s, 1m30s. */
    private static String written(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before the listener, stops after it. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 200;
    }
}
