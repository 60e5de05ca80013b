package dev.nightshift.dispatch.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.ledger.TaskLedger;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancellation: it reaches a run at once (also read ahead of a paused listener), keeps a version that has not run
 * from ever running (also one not seen yet), and is on the ledger so that whoever takes a run over knows.
 */
final class Cancellations {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;

    Cancellations(EngineContext c) {
        this.c = c;
    }

    /** Read ahead of the listener (it may be paused): stops what the cancellation will stop when it gets there. */
    void readAhead(int partition, long offset, TaskEvent event) {
        OwnedPartition o = c.owned.get(partition);
        if (o == null || !o.ledgerRead) {
            return; // the listener's own reading of it will do
        }
        TaskCancelled cancelled = (TaskCancelled) event.getBody();
        if (o.cancelledAhead.merge(event.getTaskKey(), offset, Math::max) > offset) {
            return;
        }
        for (Version v : c.inHand(event.getTaskKey())) {
            if (v.partition == partition && v.firstOffset < offset && !v.cancelRequested
                    && (cancelled.getTaskVersion() == null || cancelled.getTaskVersion().equals(v.taskVersion))) {
                log.info("{}: cancellation read ahead at offset {}", v, offset);
                c.steps.guarded(v, () -> cancel(v, reason(cancelled)));
            }
        }
    }

    private static String reason(TaskCancelled cancelled) {
        return cancelled.getReason() == null || cancelled.getReason().isBlank() ? "cancelled" : cancelled.getReason();
    }

    /** A cancellation record: acknowledged once what it cancels is on the ledger. */
    void cancel(Version.Held held, String taskKey, TaskCancelled cancelled) {
        String reason = reason(cancelled);
        OwnedPartition o = c.owned.get(held.partition());
        if (o != null) {
            o.cancelledAhead.remove(taskKey, held.offset());
        }
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Version v : c.inHand(taskKey)) {
            if (cancelled.getTaskVersion() == null || cancelled.getTaskVersion().equals(v.taskVersion)) {
                try {
                    writes.add(cancel(v, reason));
                } catch (RuntimeException e) {
                    c.steps.fault(v, e);
                    writes.add(CompletableFuture.completedFuture(null)); // affected: it ends failed or is handed over
                }
            }
        }
        if (cancelled.getTaskVersion() != null && writes.isEmpty()
                && c.ledger.get(held.partition(), taskKey, cancelled.getTaskVersion()).map(e -> !TaskLedger.isFinal(e.getState())).orElse(true)) {
            // a version not seen yet: it must never run
            TaskLedgerEntry entry = c.entries.cancelledUnseen(taskKey, cancelled.getTaskVersion(), c.clock.instant());
            writes.add(c.writes.write(List.of(LedgerEntries.record(held.partition(), entry))));
        }
        log.info("{}: cancelled ({}), {} version(s) affected", taskKey, reason, writes.size());
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
                .whenCompleteAsync((ok, failed) -> c.partitions.acknowledge(held), c.steps::post);
    }

    /** Stops or skips one version; completes once the cancellation is on the ledger. */
    private CompletableFuture<?> cancel(Version v, String reason) {
        v.cancelRequested = true;
        v.cancelReason = reason;
        return switch (v.phase()) {
            case WAITING, QUEUED, BACKOFF, SPEND_WAIT ->
                    c.outcomes.endCancelledBeforeRun(v, "cancelled before its " + (v.attempt == 0 ? "first" : "next") + " attempt");
            case STARTING, RUNNING -> {
                if (v.run != null) {
                    v.run.stop(reason);
                }
                // recorded, so that whoever takes the run over after a crash does not start it again
                Instant now = c.clock.instant();
                yield c.writes.write(List.of(LedgerEntries.record(v.partition,
                        c.entries.running(v, v.leaseConfirmedUntil == null ? now.plus(c.settings.leaseTtl()) : v.leaseConfirmedUntil, now))));
            }
            case WATCHING -> c.ledger.get(v.partition, v.taskKey, v.taskVersion)
                    .map(e -> (CompletableFuture<?>) c.writes.write(List.of(LedgerEntries.record(v.partition,
                            LedgerEntries.cancelRequested(e, c.clock.instant())))))
                    .orElse(CompletableFuture.completedFuture(null));
            case FINISHING -> CompletableFuture.completedFuture(null);
        };
    }
}
