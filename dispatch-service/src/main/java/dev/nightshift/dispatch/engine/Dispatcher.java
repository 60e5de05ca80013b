package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.dispatch.ledger.LedgerReader;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.observability.KafkaTraces;
import dev.nightshift.lifecycle.Phase;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.support.Acknowledgment;

/**
 * Decides what happens to every task version this instance sees, on one thread of its own: everything it
 * knows (the ledger of its partitions, the records it holds, the runs it has going) is touched only there,
 * so there are no locks. Records, ledger entries, the ends of runs and timers all arrive as steps on that
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
 * This class is the engine's door (entry points from any thread, and its lifecycle); the work is done in its
 * rooms: {@link Steps} (the loop), {@link Partitions} (partitions and the records waiting for their ledger),
 * {@link Admission} (the queue, runs in flight, spend), {@link Leases} (leases and takeover),
 * {@link Cancellations}, {@link Outcomes}.
 */
public class Dispatcher implements SmartLifecycle, LedgerReader.Listener {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;
    private volatile boolean running;
    private volatile boolean handOverNow;
    /** How a person cuts a stop's wait short, for the line that says what the stop waits for; null: nobody can. */
    private volatile String handOverNowBy;

    /**
     * @param feed  what it reads of the ledger comes back through {@link LedgerReader.Listener}, which this is
     * @param clock the time leases, backoffs and the spend day are judged by
     * @param loop  the one thread everything here happens on
     */
    Dispatcher(EngineSettings settings, Runs runs, Writes writes, LedgerFeed feed, Intake intake, DispatchMetrics metrics,
            SpendCeiling spend, String instance, KafkaTraces traces, Clock clock, EngineLoop loop) {
        this.c = new EngineContext(settings, runs, writes, feed, intake, metrics, spend, instance, traces, clock, loop);
    }

    // ------------------------------------------------------------------ entry points (any thread)

    /** A task record; {@code ack} commits up to it once its work and the work of every record before it ended. */
    public void received(int partition, long offset, Acknowledgment ack, TaskEvent event, Headers headers) {
        c.steps.post(() -> c.partitions.received(partition, offset, ack, event, headers));
    }

    /** A record that could not be read (it went to the dead-letter topic): it ends at once. */
    public void undecodable(int partition, long offset, Acknowledgment ack) {
        c.steps.post(() -> c.partitions.undecodable(partition, offset, ack));
    }

    /** @param positions each assigned partition, and the offset the listener starts it from */
    public void assigned(Map<Integer, Long> positions) {
        c.steps.post(() -> positions.forEach(c.partitions::assigned));
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
            c.steps.post(() -> read.complete(c.partitions.ledgerRead()));
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
        c.steps.post(() -> {
            partitions.forEach(c.partitions::revoked);
            flushed.complete(c.writes.flush());
        });
        try {
            flushed.thenCompose(f -> f).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("giving up partitions {} before what was written about them was confirmed: {}", partitions, e.getMessage());
        }
    }

    @Override
    public void entry(int partition, TaskLedgerEntry entry, Instant appendedAt) {
        c.steps.post(() -> c.leases.entry(partition, entry, appendedAt));
    }

    @Override
    public void caughtUp(int partition) {
        c.steps.post(() -> c.partitions.caughtUp(partition));
    }

    @Override
    public void cancellationAhead(int partition, long offset, TaskEvent event) {
        c.steps.post(() -> c.cancellations.readAhead(partition, offset, event));
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start() {
        running = true;
        c.stopping = false;
        c.loop.every(Duration.ofSeconds(1), () -> c.steps.post(c.leases::tick));
        c.loop.every(Duration.ofHours(1), () -> c.steps.post(c.partitions::forgetOldEnds));
    }

    /**
     * Runs after the listener stopped (its partitions are given up; their new owners watch our leases). The runs
     * in progress get {@code shutdown-wait} to end and report, unless {@link #handOverNow()} cuts it short; the
     * rest are stopped and their leases released, so another instance takes them over at once as their next attempt.
     */
    @Override
    public void stop() {
        c.stopping = true;
        Duration wait = c.settings.shutdownWait();
        long inProgress = c.loop.call(() -> c.versions.values().stream().filter(Version::runsHere).count());
        if (inProgress > 0 && wait.isPositive() && !handOverNow) {
            // the one line that explains a stop that seems to hang
            String them = inProgress == 1 ? "it" : "them";
            log.info("Waiting up to {} for {} run{} in progress (nightshift.dispatch.shutdown-wait); {}",
                    written(wait), inProgress, inProgress == 1 ? "" : "s",
                    handOverNowBy == null ? "then " + (inProgress == 1 ? "it is" : "they are") + " stopped and handed over"
                            : handOverNowBy + " to stop " + them + " now and hand " + them + " over");
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (!handOverNow && System.nanoTime() < deadline
                && !c.loop.call(() -> c.versions.values().stream().noneMatch(Version::runsHere))) {
            sleep(200);
        }
        handOverWhatStillRuns();
        c.loop.shutdown(Duration.ofSeconds(5));
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
        Map<Version, RunSupervisor.RunHandle> left = c.loop.call(() -> {
            Map<Version, RunSupervisor.RunHandle> abandoned = new HashMap<>();
            c.versions.values().stream().filter(v -> v.run != null).forEach(v -> {
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
                run.thread().join(c.settings.killGrace().plusSeconds(15).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Instant now = c.clock.instant();
        c.writes.write(left.keySet().stream().map(v -> LedgerEntries.record(v.partition, c.entries.running(v, now, now))).toList());
        log.info("handed over {} run(s) still going {}", left.size(), handOverNow ? "(asked to stop them now)"
                : "after " + written(c.settings.shutdownWait()));
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
        return Phase.ENGINE.value();
    }
}
