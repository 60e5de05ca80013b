package dev.nightshift.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.TaskState;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.Utils;

/**
 * The dispatch ledger as the assignment part (e) sees it: a history of ended versions written onto it as dispatchers
 * would have left it, how many offsets it holds, and the broker's retention catching up with it.
 */
final class LedgerHistory implements AutoCloseable {

    /** What a history write left: how long it took, and each partition's end offset after it. */
    record Written(int entries, Duration took, Map<Integer, Long> ends) {
    }

    private final Admin admin;
    private final Properties signedProducer;
    private final int partitions;

    /**
     * @param signedProducer a producer's settings that sign and serialize as dispatch does (the bench's own)
     * @param partitions     the task topic's partitions, so the ledger's
     */
    LedgerHistory(Properties signedProducer, int partitions) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                signedProducer.getProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)));
        this.signedProducer = signedProducer;
        this.partitions = partitions;
    }

    /**
     * Writes {@code count} SUCCEEDED versions, one per task, as dispatch writes an ended version: keyed by
     * {@link Topics#ledgerKey}, onto the partition of the task topic its task key falls on (the default partitioner's
     * murmur2), signed. Batched and compressed, unlike dispatch's one transaction per step: only the result matters.
     */
    Written writeEnded(int count) throws Exception {
        Properties p = new Properties();
        p.putAll(signedProducer);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "50");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(512 * 1024));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(128L * 1024 * 1024));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        String batch = UUID.randomUUID().toString().substring(0, 6);
        AtomicReference<Exception> failed = new AtomicReference<>();
        long start = System.nanoTime();
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < count && failed.get() == null; i++) {
                String taskKey = "api:hist" + batch + "-" + i;
                TaskLedgerEntry entry = TaskLedgerEntry.newBuilder()
                        .setTaskKey(taskKey)
                        .setTaskVersion("1")
                        .setState(TaskState.SUCCEEDED)
                        .setAttempt(1)
                        .setMaxAttempts(3)
                        .setRunId(new UUID(random.nextLong(), random.nextLong()).toString())
                        .setInstance("bench-history")
                        .setUpdatedAt(Instant.now())
                        .build();
                producer.send(new ProducerRecord<>(Topics.LEDGER, taskPartition(taskKey), Topics.ledgerKey(taskKey, "1"), entry),
                        (metadata, e) -> {
                            if (e != null) {
                                failed.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failed.get() != null) {
            throw new IllegalStateException("writing the ledger history failed", failed.get());
        }
        return new Written(count, Duration.ofNanos(System.nanoTime() - start), offsets(OffsetSpec.latest()));
    }

    /** Offsets the ledger holds, earliest to latest over every partition (0 before a dispatcher made it). */
    long offsetsPresent() throws Exception {
        Map<Integer, Long> earliest = offsets(OffsetSpec.earliest());
        Map<Integer, Long> latest = offsets(OffsetSpec.latest());
        return latest.entrySet().stream().mapToLong(e -> e.getValue() - earliest.getOrDefault(e.getKey(), 0L)).sum();
    }

    /** Waits until the ledger's retention.ms is {@code retention} (a dispatcher's LedgerTopic set it). */
    void awaitRetention(Duration retention, Duration timeout) throws Exception {
        ConfigResource ledger = new ConfigResource(ConfigResource.Type.TOPIC, Topics.LEDGER);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            var entry = admin.describeConfigs(List.of(ledger)).all().get().get(ledger).get(TopicConfig.RETENTION_MS_CONFIG);
            if (entry != null && Long.toString(retention.toMillis()).equals(entry.value())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the ledger's retention.ms is " + (entry == null ? null : entry.value()) + ", not "
                        + retention.toMillis() + ", after " + timeout);
            }
            Thread.sleep(500);
        }
    }

    /**
     * Waits until every partition's earliest offset has reached {@code ends}: the broker deleted everything before.
     * The ledger is compact,delete, so the log cleaner's thread deletes its expired segments on each pass (every
     * log.cleaner.backoff.ms, 15 s, when it has nothing to compact), not the retention check every 5 minutes.
     *
     * @return whether it did before {@code timeout} passed
     */
    boolean awaitDeleted(Map<Integer, Long> ends, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<Integer, Long> earliest = offsets(OffsetSpec.earliest());
            if (ends.entrySet().stream().allMatch(e -> earliest.getOrDefault(e.getKey(), 0L) >= e.getValue())) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5000);
        }
    }

    /** Each ledger partition's offset of that kind; empty before the topic exists. */
    Map<Integer, Long> offsets(OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> wanted = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            wanted.put(new TopicPartition(Topics.LEDGER, p), spec);
        }
        Map<Integer, Long> offsets = new HashMap<>();
        // asked of a topic that is not there, the admin would retry until its timeout
        if (admin.listTopics().names().get().contains(Topics.LEDGER)) {
            admin.listOffsets(wanted).all().get().forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
        }
        return offsets;
    }

    /** The partition the task topic's default partitioner puts the task key on, so its ledger partition. */
    private int taskPartition(String taskKey) {
        return Utils.toPositive(Utils.murmur2(taskKey.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    @Override
    public void close() {
        admin.close();
    }
}
