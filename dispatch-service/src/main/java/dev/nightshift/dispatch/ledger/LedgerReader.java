package dev.nightshift.dispatch.ledger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.follower.ReaderProperties;
import dev.nightshift.lifecycle.Phase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.record.TimestampType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Reads the ledger partitions this dispatcher needs (those of the task partitions it owns, and those its
 * runs live on) from the beginning, then follows them. Its own consumer, outside the group: which ledger
 * partitions it reads follows the group's assignment of nightshift.tasks, not a subscription of its own.
 * Only committed transactions are read, so an aborted outcome is never seen.
 * <p>
 * It also reads the task partitions this dispatcher owns, ahead of the listener, for cancellations only:
 * while the listener is paused (as many runs as allowed) a cancellation must still reach its run at once.
 * <p>
 * Not a {@link dev.nightshift.follower.Follower}: that follows every partition of one topic from the beginning,
 * while this reader's partitions come and go with the group's assignment, span two topics (the task partitions
 * from an offset, not the beginning) and each says when it has caught up. It shares the private reader's settings.
 */
public class LedgerReader implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LedgerReader.class);

    /** Called on the reader's thread. */
    public interface Listener {
        /** @param appendedAt when the broker appended it (the ledger's LogAppendTime), or null where the topic keeps the writer's time */
        void entry(int partition, TaskLedgerEntry entry, Instant appendedAt);

        /** Everything the partition held when it was asked for has been read. */
        void caughtUp(int partition);

        /** A cancellation on a task partition, possibly before the listener gets to it. */
        void cancellationAhead(int partition, long offset, TaskEvent event);
    }

    private final Map<String, Object> consumerProperties;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Map<TopicPartition, Long> catchingUpTo = new HashMap<>();
    private Listener listener;
    private KafkaConsumer<String, Object> consumer;
    private volatile boolean running;
    private Thread thread;

    /** @param consumerProperties bootstrap servers and the registry settings; the rest is set here */
    public LedgerReader(Map<String, Object> consumerProperties) {
        this.consumerProperties = ReaderProperties.of(consumerProperties, "nightshift-dispatch-ledger");
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    /** Reads the partition from the beginning (or, if already read, up to its current end), then follows it. */
    public void watch(int partition) {
        commands.add(() -> {
            TopicPartition tp = new TopicPartition(Topics.LEDGER, partition);
            if (assigned.add(tp)) {
                consumer.assign(assigned);
                consumer.seekToBeginning(List.of(tp));
            }
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            catchingUpTo.put(tp, end);
        });
        wakeup();
    }

    public void unwatch(int partition) {
        TopicPartition tp = new TopicPartition(Topics.LEDGER, partition);
        commands.add(() -> {
            catchingUpTo.remove(tp);
            unassign(tp);
        });
        wakeup();
    }

    /** Reads the task partition from {@code offset} on, for cancellations. */
    public void scout(int partition, long offset) {
        TopicPartition tp = new TopicPartition(Topics.TASKS, partition);
        commands.add(() -> {
            if (assigned.add(tp)) {
                consumer.assign(assigned);
            }
            consumer.seek(tp, offset);
        });
        wakeup();
    }

    public void stopScouting(int partition) {
        TopicPartition tp = new TopicPartition(Topics.TASKS, partition);
        commands.add(() -> unassign(tp));
        wakeup();
    }

    private void unassign(TopicPartition tp) {
        if (assigned.remove(tp)) {
            consumer.assign(assigned);
        }
    }

    private void wakeup() {
        KafkaConsumer<String, Object> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void loop() {
        while (running) {
            try {
                for (Runnable command; (command = commands.peek()) != null; ) {
                    try {
                        command.run();
                        commands.poll();
                    } catch (WakeupException e) {
                        // the next command's wakeup hit this one: it is safe to run again
                    }
                }
                if (assigned.isEmpty()) {
                    Thread.sleep(50);
                    continue;
                }
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() instanceof TaskLedgerEntry entry) {
                        listener.entry(r.partition(), entry,
                                r.timestampType() == TimestampType.LOG_APPEND_TIME ? Instant.ofEpochMilli(r.timestamp()) : null);
                    } else if (r.value() instanceof TaskEvent event) {
                        if (event.getBody() instanceof TaskCancelled) {
                            listener.cancellationAhead(r.partition(), r.offset(), event);
                        }
                    } else if (r.value() != null) {
                        log.warn("skipping record {} at {}-{}: neither a ledger entry nor a task event", r.key(), r.partition(), r.offset());
                    }
                }
                reportCaughtUp();
            } catch (WakeupException e) {
                // a watch or unwatch is waiting
            } catch (RecordDeserializationException e) {
                log.error("skipping unreadable record at {}-{}: {}", e.topicPartition(), e.offset(), e.getMessage());
                consumer.seek(e.topicPartition(), e.offset() + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("reading the ledger failed, trying again: {}", e.getMessage(), e);
                sleepQuietly();
            }
        }
    }

    private void reportCaughtUp() {
        var it = catchingUpTo.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            if (consumer.position(e.getKey()) >= e.getValue()) {
                it.remove();
                listener.caughtUp(e.getKey().partition());
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void start() {
        consumer = new KafkaConsumer<>(consumerProperties);
        running = true;
        thread = Thread.ofPlatform().name("dispatch-ledger-reader").start(() -> {
            try {
                loop();
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        });
    }

    @Override
    public void stop() {
        running = false;
        wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Starts before the dispatcher, stops after it (its runs may still learn of a cancellation). */
    @Override
    public int getPhase() {
        return Phase.STATE.value();
    }
}
