package dev.nightshift.ingest.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.events.LedgerOrder;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.publish.AssignedReader;
import dev.nightshift.ingest.webhook.RetryLater;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * Reads one task's entries from dispatch's ledger when asked. The ledger is compacted and partitioned like
 * {@code nightshift.tasks} (a task's entries sit on its task partition's number), so one partition is read,
 * from its start to its end: memory stays flat however many tasks there are, at the cost of a read per call.
 */
@Component
class LedgerLookup implements DisposableBean {

    private static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private final Map<String, Object> properties;
    private KafkaConsumer<String, Object> consumer;

    LedgerLookup(KafkaProperties kafka) {
        this.properties = AssignedReader.properties(kafka.buildConsumerProperties(), "nightshift-ingest-ledger-lookup");
    }

    /** The task's ledger entries, one per version; empty when dispatch has not taken it up (or no ledger exists yet). */
    synchronized List<TaskLedgerEntry> entries(String taskKey) {
        if (consumer == null) {
            consumer = new KafkaConsumer<>(properties);
        }
        List<PartitionInfo> tasks = consumer.partitionsFor(Topics.TASKS, READ_LIMIT);
        List<PartitionInfo> ledger = consumer.partitionsFor(Topics.LEDGER, READ_LIMIT);
        if (tasks == null || tasks.isEmpty() || ledger == null || ledger.isEmpty()) {
            return List.of();
        }
        // the partition Kafka's default partitioner gives the task key on nightshift.tasks
        int partition = Utils.toPositive(Utils.murmur2(taskKey.getBytes(StandardCharsets.UTF_8))) % tasks.size();
        TopicPartition tp = new TopicPartition(Topics.LEDGER, partition);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        long end = consumer.endOffsets(List.of(tp)).get(tp);
        long deadline = System.nanoTime() + READ_LIMIT.toNanos();
        String prefix = Topics.ledgerKey(taskKey, "");
        Map<String, TaskLedgerEntry> latest = new LinkedHashMap<>();
        while (consumer.position(tp) < end) {
            if (System.nanoTime() > deadline) {
                throw new RetryLater("reading " + Topics.LEDGER + "-" + partition + " took longer than " + READ_LIMIT);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                if (r.key() != null && r.key().startsWith(prefix)) {
                    if (r.value() instanceof TaskLedgerEntry entry) {
                        latest.put(r.key(), LedgerOrder.merge(latest.get(r.key()), entry));
                    } else {
                        latest.remove(r.key());
                    }
                }
            });
        }
        return new ArrayList<>(latest.values());
    }

    @Override
    public synchronized void destroy() {
        if (consumer != null) {
            consumer.close();
        }
    }
}
