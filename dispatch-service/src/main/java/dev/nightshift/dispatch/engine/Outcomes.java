package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.budget.RetryPolicy;
import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import io.micrometer.tracing.Span;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outcomes and the end of a version. The words: a run's outcome is <em>written</em> (with what comes next, in one
 * transaction); a version <em>completes</em> when its work has ended (its records are acknowledged); it is
 * <em>dropped</em> when it is no longer in hand here, acknowledged or not (the next version of its task gets its turn).
 */
final class Outcomes {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;

    Outcomes(EngineContext c) {
        this.c = c;
    }

    /** The run's thread is done (its processes are gone): its outcome is written, unless it was abandoned. */
    void runEnded(Version v, RunEvents events, AttemptRunner.Attempt attempt) {
        v.run = null;
        if (v.abandoned != null) {
            // stopped for a reason of ours: its lease says who may take it over, and when
            log.warn("{}: run {} stopped ({}); it is left to be taken over", v, events.runId(), v.abandoned);
            drop(v);
            c.admission.startWhatFits();
            return;
        }
        write(v, events, attempt, null);
    }

    /**
     * Writes the outcome and what comes next (another attempt after a backoff, or the end) in one transaction.
     *
     * @param backoffOverride the wait before the next attempt, when not the retry policy's
     */
    void write(Version v, RunEvents events, AttemptRunner.Attempt attempt, Duration backoffOverride) {
        RunFinished f = attempt.finished();
        Optional<Duration> wait = v.cancelRequested ? Optional.empty()
                : RetryPolicy.nextAttempt(f.getOutcome(), attempt.agentRan(), events.attempt(), v.maxAttempts(), c.settings.retryBackoff())
                        .map(policy -> backoffOverride != null ? backoffOverride : policy);
        boolean again = wait.isPresent();
        f.setFinalAttempt(!again);
        Instant now = c.clock.instant();
        Instant next = wait.map(now::plus).orElse(null);
        TaskLedgerEntry entry = again ? c.entries.retryWait(v, next, now) : c.entries.ended(v, f.getOutcome(), now);
        v.apply(VersionLife.Event.OUTCOME);
        List<ProducerRecord<String, Object>> records = new ArrayList<>(List.of(LedgerEntries.record(v.partition, entry),
                runEventRecord(v, events.of(f))));
        if (v.reservation != null) {
            records.add(c.spend.settle(v.reservation, f.getCostUsd() == null ? 0 : f.getCostUsd()));
            v.reservation = null;
        }
        if (v.span != null) {
            v.span.end(); // the attempt's span ends with its outcome handed to Kafka
            v.span = null;
        }
        c.writes.write(records).whenCompleteAsync((ok, failed) -> {
            if (failed != null) {
                log.error("{}: the outcome of run {} was not written: {}", v, events.runId(), failed.getMessage());
                drop(v);
                return;
            }
            v.endWritten = !again;
            c.ledger.apply(v.partition, entry);
            String adapter = v.body().getWorker().getAgent().getAdapter();
            c.metrics.finished(v.body().getWorker().getName(), c.settings.adapters().contains(adapter) ? adapter : "other", f);
            log.info("run {} of {} finished: {}{}{}", events.runId(), v, f.getOutcome(), f.getReason() == null ? "" : " (" + f.getReason() + ")",
                    again ? "; attempt " + (events.attempt() + 1) + " at " + next : "");
            if (!again) {
                complete(v);
            } else if (v.cancelRequested && c.partitions.owns(v.partition)) {
                endCancelledBeforeRun(v, "cancelled before its next attempt");
            } else if (c.partitions.owns(v.partition)) {
                c.admission.backoff(v, next);
            } else {
                drop(v); // the partition's owner schedules the next attempt from the ledger
            }
            c.admission.startWhatFits();
        }, c.steps.inLoop(v));
    }

    /** Ends a version whose (next) attempt never ran, cancelled first: a final entry, no run events. */
    CompletableFuture<Void> endCancelledBeforeRun(Version v, String why) {
        if (v.timer != null) {
            v.timer.cancel();
        }
        c.admission.unqueue(v);
        v.apply(VersionLife.Event.CANCELLED_BEFORE_RUN);
        TaskLedgerEntry entry = c.entries.ended(v, Outcome.CANCELLED, c.clock.instant());
        log.info("{}: {}", v, why);
        return c.writes.write(List.of(LedgerEntries.record(v.partition, entry))).whenCompleteAsync((ok, failed) -> {
            if (failed == null) {
                v.endWritten = true;
                c.ledger.apply(v.partition, entry);
                complete(v);
            }
        }, c.steps.inLoop(v));
    }

    /** The version's work has ended: its records are acknowledged, and it is dropped. */
    void complete(Version v) {
        for (Version.Held h : v.records) {
            c.partitions.acknowledge(h);
        }
        v.records.clear();
        drop(v);
    }

    /** No longer in hand here (its records are not acknowledged by this): the next version of its task gets its turn. */
    void drop(Version v) {
        if (v.timer != null) {
            v.timer.cancel();
        }
        c.admission.unqueue(v);
        c.versions.remove(v.key(), v);
        ArrayDeque<Version> queue = c.byTask.get(v.taskKey);
        if (queue != null) {
            boolean wasHead = queue.peekFirst() == v;
            queue.remove(v);
            if (queue.isEmpty()) {
                c.byTask.remove(v.taskKey);
            } else if (wasHead && queue.peekFirst().phase() == Version.Phase.WAITING && c.partitions.owns(queue.peekFirst().partition)) {
                Version next = queue.peekFirst();
                c.steps.guarded(next, () -> c.admission.decide(next));
            }
        }
        if (!c.partitions.owns(v.partition)) {
            c.partitions.releaseLedgerIfUnused(v.partition);
        }
    }

    /**
     * The Kafka record of a run event, carrying its attempt's trace on to report; one written outside an attempt
     * (a wait, a run lost with its dispatcher) gets a span of its own in the task's trace.
     */
    ProducerRecord<String, Object> runEventRecord(Version v, RunEvent event) {
        ProducerRecord<String, Object> record = new ProducerRecord<>(Topics.RUNS, event.getTaskKey(), event);
        Span span = v.span != null ? v.span : c.traces.start(v.trace, "nightshift run event");
        c.traces.inject(span, record.headers());
        if (span != v.span) {
            span.end();
        }
        return record;
    }
}
