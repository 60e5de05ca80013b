package dev.nightshift.follower;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read of partitions from their beginning to their end, on the caller's thread and consumer: for a look-up
 * that keeps nothing between calls (memory stays flat however long the topic), where a {@link Follower} would
 * keep the whole topic.
 */
public final class Replay {

    private static final Logger log = LoggerFactory.getLogger(Replay.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private Replay() {
    }

    /**
     * Reads the partitions from the beginning up to their ends as of this call, applying each record in offset
     * order per partition; an unreadable record is logged and skipped.
     *
     * @param consumer a private reader ({@link ReaderProperties#of}); its assignment is replaced
     * @return false when {@code atMost} passed before the ends were reached
     */
    public static <V> boolean fromStart(Consumer<String, V> consumer, Collection<TopicPartition> partitions, Duration atMost,
                                        Follower.Apply<V> apply) {
        List<TopicPartition> assigned = List.copyOf(partitions);
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(assigned, atMost));
        long deadline = System.nanoTime() + atMost.toNanos();
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                for (ConsumerRecord<String, V> r : consumer.poll(POLL)) {
                    apply.record(r);
                }
            } catch (RecordDeserializationException e) {
                log.error("skipping the unreadable record at {}@{}: {}", e.topicPartition(), e.offset(), e.getMessage());
                consumer.seek(e.topicPartition(), e.offset() + 1);
            }
        }
        return true;
    }
}
