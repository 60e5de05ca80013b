package dev.nightshift.dispatch.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.support.Acknowledgment;

/**
 * The task partitions this instance owns, and their records: a record waits until its partition's ledger is
 * read, then goes to the room its event belongs to; it is acknowledged once its work has ended.
 */
final class Partitions {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final EngineContext c;

    Partitions(EngineContext c) {
        this.c = c;
    }

    void assigned(int partition, long position) {
        c.owned.put(partition, new OwnedPartition());
        c.feed.watch(partition);
        c.feed.scout(partition, position);
        log.info("task partition {} assigned; reading its ledger", partition);
    }

    void caughtUp(int partition) {
        OwnedPartition o = c.owned.get(partition);
        if (o == null || o.ledgerRead) {
            return;
        }
        o.ledgerRead = true;
        log.info("task partition {}: ledger read, {} task record(s) waited for it", partition, o.waitingForLedger.size());
        o.waitingForLedger.forEach(Runnable::run);
        o.waitingForLedger.clear();
    }

    void revoked(int partition) {
        c.owned.remove(partition);
        c.feed.stopScouting(partition);
        for (Version v : List.copyOf(c.versions.values())) {
            if (v.partition != partition) {
                continue;
            }
            v.records.clear();
            if (!v.runsHere()) {
                c.outcomes.drop(v);
            }
        }
        releaseLedgerIfUnused(partition);
        log.info("task partition {} revoked; {} run(s) on it go on here", partition,
                c.versions.values().stream().filter(v -> v.partition == partition).count());
    }

    /** Per partition owned: whether its ledger is read. */
    Map<Integer, Boolean> ledgerRead() {
        Map<Integer, Boolean> read = new HashMap<>();
        c.owned.forEach((partition, o) -> read.put(partition, o.ledgerRead));
        return read;
    }

    /** The ledger partition is read while this instance owns the task partition or runs one of its tasks. */
    void releaseLedgerIfUnused(int partition) {
        if (!c.owned.containsKey(partition) && c.versions.values().stream().noneMatch(v -> v.partition == partition)) {
            c.feed.unwatch(partition);
            c.ledger.forget(partition);
        }
    }

    /** Forgets the ended versions older than the ledger's retention, as Kafka deletes their entries. */
    void forgetOldEnds() {
        int forgotten = c.ledger.forgetEndedBefore(c.clock.instant().minus(c.settings.ledgerRetention()),
                e -> c.versions.containsKey(Version.key(e.getTaskKey(), e.getTaskVersion())));
        if (forgotten > 0) {
            log.info("forgot {} version(s) ended more than {} ago (nightshift.dispatch.ledger-retention)", forgotten, c.settings.ledgerRetention());
        }
    }

    void received(int partition, long offset, Acknowledgment ack, TaskEvent event, Headers trace) {
        OwnedPartition o = c.owned.get(partition);
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

    /** A record that could not be read (it went to the dead-letter topic): it ends at once. */
    void undecodable(int partition, long offset, Acknowledgment ack) {
        OwnedPartition o = c.owned.get(partition);
        if (o != null) {
            o.offsets.received(offset, ack);
            o.offsets.ended(offset).ifPresent(Acknowledgment::acknowledge);
        }
    }

    private void handle(Version.Held held, TaskEvent event) {
        switch (event.getBody()) {
            case TaskRequested r -> c.admission.request(held, event, r);
            case TaskCancelled cancelled -> c.cancellations.cancel(held, event.getTaskKey(), cancelled);
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

    /** The record's work has ended: the partition's offset may move past it. */
    void acknowledge(Version.Held held) {
        OwnedPartition o = c.owned.get(held.partition());
        if (o != null) {
            o.offsets.ended(held.offset()).ifPresent(Acknowledgment::acknowledge);
        }
    }

    /** Whether the partition is still this instance's (its versions' next attempts are scheduled here). */
    boolean owns(int partition) {
        return c.owned.containsKey(partition);
    }
}
