package dev.nightshift.follower;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every partition of a compacted topic on a thread of its own: reads it from the beginning, then
 * keeps reading, handing each record to {@link Apply} in offset order per partition. Modelled on Kafka
 * Connect's {@code KafkaBasedLog}: {@link #readToEnd()} says when everything written before it was asked
 * has been applied. The owner keeps the state; the follower only feeds it.
 * <p>
 * An unreadable record is logged and skipped (it is not a tombstone); a record the owner fails to apply is
 * logged and passed, so one bad record cannot stop the state behind it. A read that fails is tried again.
 *
 * @param <V> the values' type (what the consumer's value deserializer gives)
 */
public final class Follower<V> {

    private static final Logger log = LoggerFactory.getLogger(Follower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    /** What the owner does with each record, on the follower's thread. */
    @FunctionalInterface
    public interface Apply<V> {
        /** @param record its value is null for a tombstone */
        void record(ConsumerRecord<String, V> record);
    }

    /** A {@link #readToEnd()} waiting for the follower's positions to reach the ends it saw. */
    private record Waiting(Map<TopicPartition, Long> ends, CompletableFuture<Void> done) {
    }

    private final String name;
    private final String topic;
    private final Map<String, Object> consumerProperties;
    private final Apply<V> apply;
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> asked = new ConcurrentLinkedQueue<>();
    /** The follower thread's own: the topic's partitions once found, and the reads to the end not yet reached. */
    private List<TopicPartition> partitions = List.of();
    private final List<Waiting> waiting = new ArrayList<>();
    private volatile boolean running;
    private volatile KafkaConsumer<String, V> consumer;
    private Thread thread;

    /**
     * @param name               the thread's name and the logs' word for this follower
     * @param consumerProperties a private reader's settings ({@link ReaderProperties#of})
     */
    public Follower(String name, String topic, Map<String, Object> consumerProperties, Apply<V> apply) {
        this.name = name;
        this.topic = topic;
        this.consumerProperties = Map.copyOf(consumerProperties);
        this.apply = apply;
    }

    /** Starts reading from the beginning; returns at once (wait for {@link #readToEnd()} to know the state). */
    public synchronized void start() {
        if (running) {
            return;
        }
        consumer = new KafkaConsumer<>(consumerProperties);
        partitions = List.of();
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /**
     * Completes once every record written (and committed) to the topic before this call has been applied;
     * fails if the follower stops first. The topic's end is taken on the follower's thread once it has found
     * the topic's partitions, so a call made before the topic exists waits for it.
     */
    public CompletableFuture<Void> readToEnd() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        asked.add(done);
        if (!running) {
            done.completeExceptionally(new IllegalStateException(name + " is not running"));
            asked.remove(done);
            return done;
        }
        wakeup();
        return done;
    }

    /** Stops reading and waits for the thread to end; reads to the end still waiting fail. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        wakeup();
        try {
            thread.join(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning() {
        return running;
    }

    private void wakeup() {
        KafkaConsumer<String, V> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void loop() {
        KafkaConsumer<String, V> c = consumer;
        try {
            while (running) {
                try {
                    if (partitions.isEmpty() && !assignAll(c)) {
                        Thread.sleep(500);
                        continue;
                    }
                    takeEnds(c);
                    for (ConsumerRecord<String, V> r : c.poll(POLL)) {
                        applyOne(r);
                    }
                    completeReached(c);
                } catch (WakeupException e) {
                    // a read to the end was asked for, or stop()
                } catch (RecordDeserializationException e) {
                    log.error("{}: skipping the unreadable record at {}@{}: {}", name, e.topicPartition(), e.offset(), e.getMessage());
                    c.seek(e.topicPartition(), e.offset() + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    if (running) {
                        log.warn("{}: reading {} failed, trying again in {} s: {}", name, topic, RETRY.toSeconds(), e.toString());
                        Thread.sleep(RETRY);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
            c.close(Duration.ofSeconds(5));
            IllegalStateException stopped = new IllegalStateException(name + " stopped before reading " + topic + " to its end");
            waiting.forEach(w -> w.done().completeExceptionally(stopped));
            waiting.clear();
            for (CompletableFuture<Void> f; (f = asked.poll()) != null; ) {
                f.completeExceptionally(stopped);
            }
        }
    }

    /** Finds the topic's partitions and reads them from the beginning; false while the topic does not exist. */
    private boolean assignAll(KafkaConsumer<String, V> c) {
        List<TopicPartition> found = c.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (found.isEmpty()) {
            return false;
        }
        c.assign(found);
        c.seekToBeginning(found);
        partitions = found;
        return true;
    }

    /** The ends the reads asked for since the last poll wait for: one look-up for all of them. */
    private void takeEnds(KafkaConsumer<String, V> c) {
        if (asked.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> now = new ArrayList<>(asked);
        // taken after they were asked for; should the look-up fail they stay asked and are tried again
        Map<TopicPartition, Long> ends = new HashMap<>(c.endOffsets(partitions));
        asked.removeAll(now);
        now.forEach(f -> waiting.add(new Waiting(ends, f)));
    }

    private void applyOne(ConsumerRecord<String, V> r) {
        try {
            apply.record(r);
        } catch (RuntimeException e) {
            log.error("{}: applying the record at {}-{}@{} failed; passing it: {}", name, r.topic(), r.partition(), r.offset(), e.toString(), e);
        }
    }

    private void completeReached(KafkaConsumer<String, V> c) {
        if (waiting.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition p : partitions) {
            positions.put(p, c.position(p));
        }
        waiting.removeIf(w -> {
            boolean reached = w.ends().entrySet().stream().allMatch(e -> positions.getOrDefault(e.getKey(), 0L) >= e.getValue());
            if (reached) {
                w.done().complete(null);
            }
            return reached;
        });
    }
}
