package dev.nightshift.ingest.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.publish.RetryLater;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
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
        this.properties = reader(kafka.buildConsumerProperties());
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
        read(new HashSet<>(ledgerKeyToTaskKey.values()), r -> {
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
    private void read(Collection<String> taskKeys, Consumer<ConsumerRecord<String, Object>> apply) {
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
        List<TopicPartition> partitions = taskKeys.stream()
                .map(k -> new TopicPartition(Topics.LEDGER, Utils.toPositive(Utils.murmur2(k.getBytes(StandardCharsets.UTF_8))) % tasks.size()))
                .collect(Collectors.toCollection(HashSet::new)).stream().toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = new HashMap<>(consumer.endOffsets(partitions));
        long deadline = System.nanoTime() + READ_LIMIT.toNanos();
        while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new RetryLater("reading " + partitions + " took longer than " + READ_LIMIT);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(apply);
        }
    }

    /** No group, no commits: this reader assigns itself partitions and reads them whole. */
    private static Map<String, Object> reader(Map<String, Object> consumerProperties) {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // dispatch writes the ledger in transactions: an aborted entry never happened
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, io.apicurio.registry.serde.avro.AvroKafkaDeserializer.class);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "nightshift-ingest-ledger-lookup");
        // topics are created by their owners with their own settings, never by a read
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return p;
    }

    @Override
    public synchronized void destroy() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
