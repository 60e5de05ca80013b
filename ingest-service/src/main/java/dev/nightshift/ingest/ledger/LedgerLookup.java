package dev.nightshift.ingest.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.follower.Follower;
import dev.nightshift.follower.ReaderProperties;
import dev.nightshift.follower.Replay;
import dev.nightshift.ingest.publish.RetryLater;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * Reads dispatch's ledger when asked: what dispatch has taken up. The ledger is compacted and partitioned like
 * {@code nightshift.tasks} (a task's entries sit on its task partition's number), so a look-up reads only the
 * partitions of the tasks asked about, from start to end: memory stays flat however many tasks there are, at
 * the cost of a read per call.
 */
@Component
public class LedgerLookup implements DisposableBean {

    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private final Map<String, Object> properties;
    private KafkaConsumer<String, Object> consumer;

    LedgerLookup(KafkaProperties kafka) {
        this.properties = ReaderProperties.of(kafka.buildConsumerProperties(), "nightshift-ingest-ledger-lookup");
    }

    /** The task's ledger entries, one per version; empty when dispatch has not taken it up (or no ledger exists yet). */
    public synchronized List<TaskLedgerEntry> entries(String taskKey) {
        String prefix = Topics.ledgerKey(taskKey, "");
        Map<String, TaskLedgerEntry> latest = new LinkedHashMap<>();
        read(List.of(taskKey), r -> {
            if (r.key() != null && r.key().startsWith(prefix)) {
                if (r.value() instanceof TaskLedgerEntry entry) {
                    latest.put(r.key(), LedgerOrder.merge(latest.get(r.key()), entry));
                } else {
                    latest.remove(r.key());
                }
            }
        });
        return new ArrayList<>(latest.values());
    }

    /** Which of these task versions (by {@link Topics#ledgerKey}, with their task keys) dispatch has on its ledger. */
    public synchronized Set<String> taken(Map<String, String> ledgerKeyToTaskKey) {
        Set<String> taken = new HashSet<>();
        read(Set.copyOf(ledgerKeyToTaskKey.values()), r -> {
            if (r.key() != null && ledgerKeyToTaskKey.containsKey(r.key())) {
                if (r.value() != null) {
                    taken.add(r.key());
                } else {
                    taken.remove(r.key());
                }
            }
        });
        return taken;
    }

    /** Reads, from start to end, the ledger partitions these tasks' entries sit on. */
    private void read(Collection<String> taskKeys, Follower.Apply<Object> apply) {
        if (taskKeys.isEmpty()) {
            return;
        }
        if (consumer == null) {
            consumer = new KafkaConsumer<>(properties);
        }
        List<PartitionInfo> tasks = consumer.partitionsFor(Topics.TASKS, READ_LIMIT);
        List<PartitionInfo> ledger = consumer.partitionsFor(Topics.LEDGER, READ_LIMIT);
        if (tasks == null || tasks.isEmpty() || ledger == null || ledger.isEmpty()) {
            return;
        }
        // the partitions Kafka's default partitioner gives the task keys on nightshift.tasks
        Set<TopicPartition> partitions = taskKeys.stream()
                .map(k -> new TopicPartition(Topics.LEDGER, Utils.toPositive(Utils.murmur2(k.getBytes(StandardCharsets.UTF_8))) % tasks.size()))
                .collect(Collectors.toSet());
        if (!Replay.fromStart(consumer, partitions, READ_LIMIT, apply)) {
            throw new RetryLater("reading " + partitions + " took longer than " + READ_LIMIT);
        }
    }

    @Override
    public synchronized void destroy() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
