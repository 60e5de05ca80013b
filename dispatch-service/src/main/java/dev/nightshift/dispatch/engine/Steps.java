package dev.nightshift.dispatch.engine;

import java.util.UUID;
import java.util.concurrent.Executor;

import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop's side of the engine: every step runs on its thread, and a step that throws leaves nothing
 * half-updated. A step about one version that throws ends that version in a defined state ({@link #fault}).
 */
final class Steps {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;

    Steps(EngineContext c) {
        this.c = c;
    }

    /** A step about no one version (a partition, a timer tick): should it throw, it is logged. */
    void post(Runnable step) {
        c.loop.execute(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                log.error("dispatcher step failed: {}", e.getMessage(), e);
            }
        });
    }

    /** A step about one version: should it throw, the version ends in a defined state. */
    void post(Version v, Runnable step) {
        c.loop.execute(() -> guarded(v, step));
    }

    /** Where what a write about this version does once it completes runs: the loop, guarded. */
    Executor inLoop(Version v) {
        return step -> post(v, step);
    }

    /** Runs part of a step that concerns this version alone, so that its failure ends the version, not the step. */
    void guarded(Version v, Runnable step) {
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
    void fault(Version v, RuntimeException e) {
        String reason = "dispatch failed handling it: " + e;
        if (!c.inHand(v)) {
            log.error("{}: a step failed after it ended here: {}", v, e.toString(), e);
            return;
        }
        if (v.faulted != null || v.endWritten || v.phase() == Version.Phase.FINISHING) {
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
            RunEvents events = new RunEvents(v.request, v.runId != null ? v.runId : UUID.randomUUID().toString(), Math.max(1, v.attempt),
                    c.clock);
            c.outcomes.write(v, events, new AttemptRunner.Attempt(RunOutcome.notRun(reason), false), null);
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
            c.outcomes.drop(v);
        }
    }
}
