package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunOutcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue and admission: a version whose turn has come is decided by what the ledger says of it, queued, and
 * started when a slot is free and today's spend ceiling has room for its budget, its lease on Kafka before its
 * agent starts.
 */
final class Admission {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;
    /** Versions ready to run, waiting for a free slot; a run taken over goes first. */
    private final ArrayDeque<Version> ready = new ArrayDeque<>();

    Admission(EngineContext c) {
        this.c = c;
    }

    void request(Version.Held held, TaskEvent event, TaskRequested r) {
        String key = Version.key(event.getTaskKey(), r.getTaskVersion());
        Version known = c.versions.get(key);
        if (known != null) {
            // another delivery of a version in hand, or its record again after the partition came back
            known.records.add(held);
            c.metrics.duplicate(known.runsHere() ? "running" : "in_hand");
            log.info("{}: another event of a version in hand ({}), nothing started", known, known.phase());
            return;
        }
        Version v = new Version(event.getTaskKey(), r.getTaskVersion(), held.partition(), held.offset(), event);
        v.trace = held.trace();
        v.records.add(held);
        Long cancelledAt = c.owned.get(held.partition()).cancelledAhead.get(v.taskKey);
        if (cancelledAt != null && cancelledAt > held.offset()) {
            v.cancelRequested = true; // a cancellation further on in the partition, read ahead: it never starts
        }
        c.versions.put(key, v);
        ArrayDeque<Version> queue = c.byTask.computeIfAbsent(v.taskKey, k -> new ArrayDeque<>());
        queue.add(v);
        if (queue.peekFirst() == v) {
            c.steps.guarded(v, () -> decide(v));
        }
    }

    /** The version's turn has come: what the ledger says decides what happens. */
    void decide(Version v) {
        Optional<TaskLedgerEntry> entry = c.ledger.get(v.partition, v.taskKey, v.taskVersion);
        if (entry.isEmpty()) {
            if (v.cancelRequested) {
                c.outcomes.endCancelledBeforeRun(v, "cancelled before it ran");
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
                v.apply(VersionLife.Event.RUNS_ELSEWHERE);
                c.metrics.duplicate("running_elsewhere");
                log.info("{}: attempt {} runs on {} (lease until {}); watching it", v, e.getAttempt(), e.getInstance(), e.getLeaseUntil());
                c.leases.checkLease(v, e);
            }
            case RETRY_WAIT -> nextAttemptUnlessCancelled(v, e.getNextAttemptAt());
            default -> {
                c.metrics.duplicate("ended");
                log.info("{}: already ended ({}), nothing started", v, e.getState());
                c.outcomes.complete(v);
            }
        }
    }

    void nextAttemptUnlessCancelled(Version v, Instant at) {
        if (v.cancelRequested) {
            c.outcomes.endCancelledBeforeRun(v, "cancelled between attempts");
        } else {
            backoff(v, at);
        }
    }

    private void enqueue(Version v) {
        v.apply(v.phase() == Version.Phase.WAITING ? VersionLife.Event.NEW : VersionLife.Event.WAIT_OVER);
        if (v.takenOver) {
            ready.addFirst(v); // it was running already: it goes before what has not started yet
        } else {
            ready.add(v);
        }
        startWhatFits();
    }

    void backoff(Version v, Instant at) {
        queueAt(v, VersionLife.Event.RETRY_LATER, at, "cancelled before its next attempt");
    }

    /** No longer waiting for a slot. */
    void unqueue(Version v) {
        ready.remove(v);
    }

    /** Holds the version in the phase {@code waiting} takes it to until {@code at}, then queues it, unless it was cancelled meanwhile. */
    private void queueAt(Version v, VersionLife.Event waiting, Instant at, String cancelledWhy) {
        v.apply(waiting);
        Version.Phase phase = v.phase();
        v.timer = c.loop.schedule(Duration.between(c.clock.instant(), at), () -> c.steps.guarded(v, () -> {
            if (v.phase() == phase && c.inHand(v)) {
                if (v.cancelRequested) {
                    c.outcomes.endCancelledBeforeRun(v, cancelledWhy);
                } else {
                    enqueue(v);
                }
            }
        }));
    }

    /**
     * Today's spend ceiling has no room for this run: it waits, neither failed nor acknowledged, until the
     * next day in the spend zone; its task hears of it once a day.
     */
    private void waitForTomorrow(Version v, double budget) {
        Instant until = c.spend.nextDay();
        String today = c.spend.today();
        String reason = "today's spend ceiling of $%.2f is reached ($%.2f spent or reserved; this run's budget is $%.2f)"
                .formatted(c.spend.ceilingUsd(), c.spend.spentToday(), budget);
        log.warn("{}: waits until {}: {}", v, until, reason);
        c.metrics.spendWait();
        if (!today.equals(v.spendNoticeDay)) {
            v.spendNoticeDay = today;
            RunEvents notice = new RunEvents(v.request, UUID.randomUUID().toString(), v.attempt + 1, c.clock);
            c.writes.write(List.of(c.outcomes.runEventRecord(v, notice.of(RunWaiting.newBuilder().setReason(reason).setUntil(until).build()))));
        }
        queueAt(v, VersionLife.Event.CEILING_REACHED, until, "cancelled while waiting for the spend ceiling");
    }

    /** Starts queued versions while there are free slots; the intake is paused while there are none. */
    void startWhatFits() {
        while (!ready.isEmpty() && !c.stopping && c.runs.inFlight() < c.settings.maxRunsInFlight()) {
            Version v = ready.poll();
            if (v.phase() == Version.Phase.QUEUED && c.inHand(v)) {
                c.steps.guarded(v, () -> begin(v));
            }
        }
        if (c.runs.inFlight() >= c.settings.maxRunsInFlight()) {
            c.intake.pause();
        } else {
            c.intake.resume();
        }
    }

    private void begin(Version v) {
        Optional<String> refusal = c.runs.refusal(v.body().getWorker());
        double budget = c.runs.costBudget(v.body().getWorker());
        if (refusal.isEmpty() && !c.spend.admits(budget)) {
            waitForTomorrow(v, budget);
            return;
        }
        v.attempt++;
        v.runId = UUID.randomUUID().toString();
        v.span = c.traces.start(v.trace, "nightshift run").tag("nightshift.task", v.taskKey).tag("nightshift.run", v.runId)
                .tag("nightshift.worker", v.body().getWorker().getName());
        RunEvents events = new RunEvents(v.request, v.runId, v.attempt, c.clock);
        if (refusal.isPresent()) {
            log.warn("refusing {} for worker {}: {}", v, v.body().getWorker().getName(), refusal.get());
            c.outcomes.write(v, events, new AttemptRunner.Attempt(RunOutcome.notRun(refusal.get()), false), Duration.ZERO);
            return;
        }
        v.apply(VersionLife.Event.ADMITTED);
        v.reservation = c.spend.reserve(v.runId, budget);
        Instant now = c.clock.instant();
        TaskLedgerEntry lease = c.entries.running(v, now.plus(c.settings.leaseTtl()), now);
        RunEvent started = events.of(RunStarted.newBuilder().setAdapter(v.body().getWorker().getAgent().getAdapter())
                .setModel(v.body().getWorker().getAgent().getModel()).build());
        // the run's thread prepares its workspace and sandbox now; its agent starts once the lease is on Kafka
        CompletableFuture<Void> leaseWritten = new CompletableFuture<>();
        v.run = c.runs.start(events, v.body(), leaseWritten, progress -> c.writes.writeSoon(c.outcomes.runEventRecord(v, progress)),
                attempt -> c.steps.post(v, () -> c.outcomes.runEnded(v, events, attempt)));
        c.writes.write(List.of(LedgerEntries.record(v.partition, lease), v.reservation, c.outcomes.runEventRecord(v, started)))
                .whenCompleteAsync((ok, failed) -> {
                    if (failed != null) {
                        log.warn("{}: not started, its lease was not written: {}", v, failed.getMessage());
                        v.abandoned = "its lease was not written";
                        c.spend.settle(v.reservation, 0); // counted here only: it never reached Kafka
                        v.reservation = null;
                        leaseWritten.completeExceptionally(failed);
                        return;
                    }
                    c.ledger.apply(v.partition, lease);
                    v.leaseConfirmedUntil = lease.getLeaseUntil();
                    v.apply(VersionLife.Event.LEASE_WRITTEN);
                    if (v.attempt == 1) {
                        c.metrics.queued(v.receivedNanos);
                    }
                    leaseWritten.complete(null);
                }, c.steps.inLoop(v));
        if (v.cancelRequested) {
            v.run.stop(v.cancelReason == null ? "cancelled" : v.cancelReason);
        }
    }
}
