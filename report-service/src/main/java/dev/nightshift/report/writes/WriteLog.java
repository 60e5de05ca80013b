package dev.nightshift.report.writes;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.nightshift.events.Topics;
import dev.nightshift.events.WriteRecord;
import dev.nightshift.events.WriteState;
import dev.nightshift.follower.Follower;
import dev.nightshift.follower.ReaderProperties;
import dev.nightshift.lifecycle.Phase;
import dev.nightshift.report.target.TargetFault;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * nightshift.writes as this report replica knows it: read from the beginning, then followed. A sink makes
 * each creating write {@link #once}: noted INTENDED before the call and DONE with the target's id after it;
 * found DONE, it is not made again; found INTENDED (a crash in between), the target is searched for the
 * write's marker before anything is made. Idempotent writes (labels, states, edits) need no entry.
 */
public final class WriteLog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(WriteLog.class);

    /** A write as the log knows it. */
    public record Entry(WriteState state, String targetId) {
    }

    /** One write of one run to one sink ({@code runId}: the task key and version for a write made before any run). */
    public record Key(String sink, String runId, String write) {
    }

    private final KafkaTemplate<Object, Object> template;
    /** Report's group prefix: two report deployments sharing a cluster (writing to different places) keep apart. */
    private final String deployment;
    private final Duration writeTimeout;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Follower<Object> follower;

    /** @param consumerProperties the service's consumer settings: bootstrap servers and the registry's; the rest is set here */
    public WriteLog(KafkaTemplate<Object, Object> template, String deployment, Map<String, Object> consumerProperties, Duration writeTimeout) {
        this.template = template;
        this.deployment = deployment;
        this.writeTimeout = writeTimeout;
        // committed records only, like every private reader: report writes its notes outside transactions, so that
        // is all the broker acknowledged (the read_uncommitted it had was a drifted copy, not a choice); signatures
        // are not verified yet: entries written before signing must still count
        this.follower = new Follower<>("report-write-log", Topics.WRITES,
                ReaderProperties.of(consumerProperties, "nightshift-report-write-log"), this::apply);
    }

    public Optional<Entry> find(Key key) {
        return Optional.ofNullable(entries.get(recordKey(key)));
    }

    /** The target's id of a write known to be made (DONE), for edits: empty while it is not. */
    public Optional<String> made(Key key) {
        return find(key).filter(e -> e.state() == WriteState.DONE && e.targetId() != null && !e.targetId().isBlank())
                .map(Entry::targetId);
    }

    /**
     * Makes a creating write at most once and returns the target's id for it.
     *
     * @param search looks for the write at the target by its marker (after a crash between the call and the note)
     * @param create makes it and returns the target's id
     */
    public String once(Key key, String taskKey, Supplier<Optional<String>> search, Supplier<String> create) {
        Entry known = entries.get(recordKey(key));
        if (known != null && known.state() == WriteState.DONE) {
            return known.targetId();
        }
        if (known != null) {
            Optional<String> found = search.get();
            if (found.isPresent()) {
                log.info("{}: found {} of run {} made before a restart (id {}); not making it again", key.sink(), key.write(), key.runId(), found.get());
                note(key, taskKey, WriteState.DONE, found.get());
                return found.get();
            }
        } else {
            note(key, taskKey, WriteState.INTENDED, null);
        }
        String id = create.get();
        note(key, taskKey, WriteState.DONE, id);
        return id;
    }

    private String recordKey(Key key) {
        return deployment + " " + key.sink() + " " + key.runId() + " " + key.write();
    }

    private void note(Key key, String taskKey, WriteState state, String targetId) {
        WriteRecord record = WriteRecord.newBuilder().setSink(key.sink()).setRunId(key.runId()).setWrite(key.write())
                .setState(state).setTargetId(targetId).setTaskKey(taskKey).build();
        try {
            template.send(Topics.WRITES, recordKey(key), record).get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetFault.Unavailable("interrupted while noting a write on " + Topics.WRITES, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // without the note the write could happen twice: do not write; the event is tried again
            throw new TargetFault.Unavailable("could not note " + key.write() + " of run " + key.runId() + " on " + Topics.WRITES + ": " + e, e);
        }
        entries.put(recordKey(key), new Entry(state, targetId));
    }

    /**
     * Waits until this replica has read everything on the topic now: called when partitions of run events
     * are assigned, so what their previous owner noted (before committing) is known before any is handled.
     */
    public void awaitCaughtUp(Duration atMost) {
        try {
            follower.readToEnd().get(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TargetFault.Unavailable("interrupted while reading " + Topics.WRITES + " up to its end", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new TargetFault.Unavailable("could not read " + Topics.WRITES + " up to its end within " + atMost + ": " + e, e);
        }
    }

    /** A note read back from the topic: DONE stays DONE (an INTENDED read late cannot undo it); a tombstone forgets. */
    private void apply(ConsumerRecord<String, Object> r) {
        if (r.value() instanceof WriteRecord w) {
            entries.merge(r.key(), new Entry(w.getState(), w.getTargetId()),
                    (had, now) -> had.state() == WriteState.DONE && now.state() == WriteState.INTENDED ? had : now);
        } else if (r.value() == null) {
            entries.remove(r.key());
        } else {
            log.warn("skipping record {} at {}-{}@{}: not a write record", r.key(), r.topic(), r.partition(), r.offset());
        }
    }

    @Override
    public void start() {
        follower.start();
    }

    @Override
    public void stop() {
        follower.stop();
    }

    @Override
    public boolean isRunning() {
        return follower.isRunning();
    }

    /** Before the sinks' listeners start, after them it stops. */
    @Override
    public int getPhase() {
        return Phase.STATE.value();
    }
}
