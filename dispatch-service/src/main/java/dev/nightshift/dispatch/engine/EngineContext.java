package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.ledger.TaskLedger;
import dev.nightshift.observability.KafkaTraces;

/**
 * What the engine's rooms share: the parts it works with, what it knows (touched only on the loop's thread, so
 * without locks), and the rooms themselves, which call on one another.
 */
final class EngineContext {

    final EngineSettings settings;
    final Runs runs;
    final Writes writes;
    final LedgerFeed feed;
    final Intake intake;
    final DispatchMetrics metrics;
    final LedgerEntries entries;
    final SpendCeiling spend;
    final KafkaTraces traces;
    final Clock clock;
    final EngineLoop loop;

    // --- touched only on the loop's thread ---
    /** The ledger of the partitions read: the latest entry of each version. */
    final TaskLedger ledger = new TaskLedger();
    final BrokerTime brokerTime;
    final Map<Integer, OwnedPartition> owned = new HashMap<>();
    /** The versions in hand, by ledger key. */
    final Map<String, Version> versions = new HashMap<>();
    /** Per task, its versions in hand in arrival order: only the first one's turn has come. */
    final Map<String, ArrayDeque<Version>> byTask = new HashMap<>();
    /** Stopping: nothing more starts. */
    volatile boolean stopping;

    // --- the rooms ---
    final Steps steps;
    final Partitions partitions;
    final Admission admission;
    final Leases leases;
    final Cancellations cancellations;
    final Outcomes outcomes;

    EngineContext(EngineSettings settings, Runs runs, Writes writes, LedgerFeed feed, Intake intake, DispatchMetrics metrics,
            SpendCeiling spend, String instance, KafkaTraces traces, Clock clock, EngineLoop loop) {
        this.settings = settings;
        this.runs = runs;
        this.writes = writes;
        this.feed = feed;
        this.intake = intake;
        this.metrics = metrics;
        this.entries = new LedgerEntries(instance);
        this.spend = spend;
        this.traces = traces;
        this.clock = clock;
        this.brokerTime = new BrokerTime(clock);
        this.loop = loop;
        this.steps = new Steps(this);
        this.partitions = new Partitions(this);
        this.admission = new Admission(this);
        this.leases = new Leases(this);
        this.cancellations = new Cancellations(this);
        this.outcomes = new Outcomes(this);
    }

    /** Whether this is the version in hand under its key (not one dropped meanwhile). */
    boolean inHand(Version v) {
        return versions.get(v.key()) == v;
    }

    /** The versions of a task in hand, in arrival order (a copy: handling one may drop it). */
    List<Version> inHand(String taskKey) {
        ArrayDeque<Version> queue = byTask.get(taskKey);
        return queue == null ? List.of() : List.copyOf(queue);
    }
}
