package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.ledger.LedgerReader;
import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.SpendEntry;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The broker as the engine sees it, in memory (in the manner of Kafka's MockProducer and MockConsumer): what the
 * engine writes is committed whole, in order, and its ledger entries come back through the reader's listener for
 * the ledger partitions it watches. A test can hold writes back (Kafka slow), fail them (Kafka unreachable), and
 * write ledger entries as another instance would. Each record is stamped with the broker's time when committed
 * (the ledger's LogAppendTime): the host's clock unless a test sets it apart.
 */
final class InMemoryKafka implements Writes, LedgerFeed {

    private record Pending(List<ProducerRecord<String, Object>> records, CompletableFuture<Void> written) {
    }

    private final List<ProducerRecord<String, Object>> committed = new ArrayList<>();
    private final List<Pending> held = new ArrayList<>();
    private final Set<Integer> watched = new HashSet<>();
    private final Set<Integer> scouted = new HashSet<>();
    private LedgerReader.Listener reader;
    private boolean holding;
    private RuntimeException failure;
    private RuntimeException throwNext;
    private boolean slowReads;
    private final Clock host;
    /** How far the host's clock is ahead of the broker's. */
    private Duration hostAhead = Duration.ZERO;

    InMemoryKafka(Clock host) {
        this.host = host;
    }

    void readBy(LedgerReader.Listener reader) {
        this.reader = reader;
    }

    // ------------------------------------------------------------------ the engine's side

    @Override
    public CompletableFuture<Void> write(List<ProducerRecord<String, Object>> records) {
        if (throwNext != null) {
            RuntimeException e = throwNext;
            throwNext = null;
            throw e;
        }
        Pending p = new Pending(List.copyOf(records), new CompletableFuture<>());
        if (failure != null) {
            p.written().completeExceptionally(failure);
        } else if (holding || !held.isEmpty()) {
            held.add(p);
        } else {
            commit(p);
        }
        return p.written();
    }

    @Override
    public void writeSoon(ProducerRecord<String, Object> record) {
        committed.add(record);
    }

    @Override
    public CompletableFuture<Void> flush() {
        return write(List.of());
    }

    @Override
    public void watch(int partition) {
        watched.add(partition);
        if (!slowReads) {
            catchUp(partition);
        }
    }

    /** Reads the ledger partition from the start: what it holds, then that it is read. */
    void catchUp(int partition) {
        // from the start: what the partition holds, then that it is read
        for (ProducerRecord<String, Object> r : List.copyOf(committed)) {
            if (r.value() instanceof TaskLedgerEntry e && r.partition() == partition) {
                reader.entry(partition, e, Instant.ofEpochMilli(r.timestamp()));
            }
        }
        reader.caughtUp(partition);
    }

    @Override
    public void unwatch(int partition) {
        watched.remove(partition);
    }

    @Override
    public void scout(int partition, long offset) {
        scouted.add(partition);
    }

    @Override
    public void stopScouting(int partition) {
        scouted.remove(partition);
    }

    private void commit(Pending p) {
        long appendedAt = host.instant().minus(hostAhead).toEpochMilli();
        List<ProducerRecord<String, Object>> stamped = p.records().stream()
                .map(r -> new ProducerRecord<>(r.topic(), r.partition(), appendedAt, r.key(), r.value(), r.headers())).toList();
        committed.addAll(stamped);
        p.written().complete(null);
        for (ProducerRecord<String, Object> r : stamped) {
            if (r.value() instanceof TaskLedgerEntry e && watched.contains(r.partition())) {
                reader.entry(r.partition(), e, Instant.ofEpochMilli(appendedAt));
            }
        }
    }

    /** The host's clock is this far ahead of the broker's (negative: behind) from now on. */
    void hostClockAhead(Duration d) {
        hostAhead = d;
    }

    // ------------------------------------------------------------------ the test's side

    /** Writes are taken but not confirmed until {@link #release()}. */
    void holdWrites() {
        holding = true;
    }

    /** Confirms the writes held back, in order, and takes the next ones at once. */
    void release() {
        holding = false;
        while (!held.isEmpty()) {
            commit(held.removeFirst());
        }
    }

    /** Every write from now on fails with this (null: they succeed again). */
    void failWrites(RuntimeException e) {
        failure = e;
    }

    /** A ledger partition watched from now on is read only when the test says {@link #catchUp}. */
    void readSlowly() {
        slowReads = true;
    }

    /** The next write throws this at once, as a serializer that cannot write a record would. */
    void nextWriteThrows(RuntimeException e) {
        throwNext = e;
    }

    /** A ledger entry another instance wrote (committed before or while this one reads the partition). */
    void writtenElsewhere(int partition, TaskLedgerEntry entry) {
        commit(new Pending(List.of(LedgerEntries.record(partition, entry)), new CompletableFuture<>()));
    }

    boolean watches(int partition) {
        return watched.contains(partition);
    }

    boolean scouts(int partition) {
        return scouted.contains(partition);
    }

    /** The version's state as the compacted ledger has it, or null. */
    TaskLedgerEntry ledger(String taskKey, String taskVersion) {
        TaskLedgerEntry state = null;
        for (TaskLedgerEntry e : ledgerEntries(taskKey, taskVersion)) {
            state = LedgerOrder.merge(state, e);
        }
        return state;
    }

    /** The version's ledger entries, in the order written. */
    List<TaskLedgerEntry> ledgerEntries(String taskKey, String taskVersion) {
        return committed.stream().map(ProducerRecord::value).filter(TaskLedgerEntry.class::isInstance).map(TaskLedgerEntry.class::cast)
                .filter(e -> e.getTaskKey().equals(taskKey) && e.getTaskVersion().equals(taskVersion)).toList();
    }

    /** The task's run events on nightshift.runs, in the order written. */
    List<RunEvent> runEvents(String taskKey) {
        return committed.stream().filter(r -> r.topic().equals(Topics.RUNS)).map(r -> (RunEvent) r.value())
                .filter(e -> e.getTaskKey().equals(taskKey)).toList();
    }

    /** The bodies of the task's run events, in order. */
    List<Object> runBodies(String taskKey) {
        return runEvents(taskKey).stream().map(RunEvent::getBody).toList();
    }

    List<SpendEntry> spend() {
        return committed.stream().map(ProducerRecord::value).filter(SpendEntry.class::isInstance).map(SpendEntry.class::cast).toList();
    }
}
