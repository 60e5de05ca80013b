package dev.nightshift.ingest.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.PublicationClaim;
import dev.nightshift.events.PublicationState;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.webhook.RetryLater;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * This replica's view of {@code nightshift.publications}, read from the beginning and followed, and its
 * writes to it. A key's holder is decided by the log alone, the same way on every replica: a claim takes the
 * key when nobody holds it, when the holder released it, or when the holder's claim is older than the lease
 * by the broker's clock; a PUBLISHED step is final. So a replica knows whether its claim won once it has
 * read its own claim back.
 */
public final class PublicationLog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PublicationLog.class);

    /** Who holds a key: the claim, when the broker stamped it, and whether it was published. */
    public record Holder(String claimId, long stampedAt, boolean published) {
    }

    private final KafkaTemplate<String, PublicationClaim> template;
    private final Map<String, Object> consumerProperties;
    private final String instance;
    private final long leaseMillis;
    private final Duration writeTimeout;
    private final Map<String, Holder> holders = new ConcurrentHashMap<>();
    /** The next offset to read, per partition; guarded by {@code this}, waited on for read-backs. */
    private final Map<Integer, Long> readTo = new HashMap<>();
    private volatile boolean running;
    private KafkaConsumer<String, Object> consumer;
    private Thread thread;

    /**
     * @param lease how long a claim holds its key while unpublished: longer than a publication can take
     */
    public PublicationLog(KafkaTemplate<String, PublicationClaim> template, Map<String, Object> consumerProperties,
            String instance, Duration lease, Duration writeTimeout) {
        this.template = template;
        this.consumerProperties = reader(consumerProperties, instance);
        this.instance = instance;
        this.leaseMillis = lease.toMillis();
        this.writeTimeout = writeTimeout;
    }

    public Optional<Holder> holder(String key) {
        return Optional.ofNullable(holders.get(key));
    }

    /** The versions of a task this log knows to be published (within its retention). */
    public List<String> publishedVersions(String taskKey) {
        String prefix = taskKey + " ";
        return holders.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix) && e.getValue().published())
                .map(e -> e.getKey().substring(prefix.length()))
                .sorted()
                .toList();
    }

    /** Writes a claim and returns once this replica has read it back, so {@link #holder} tells who won. */
    public void claim(String key, String claimId, String taskKey, long deadline) {
        RecordMetadata written = write(key, claimId, taskKey, PublicationState.CLAIMED);
        awaitRead(written.partition(), written.offset(), deadline, key);
    }

    /** Marks the key published; not waited for: a lost mark only lets a later delivery publish again, harmlessly. */
    public void published(String key, String claimId, String taskKey) {
        send(key, claimId, taskKey, PublicationState.PUBLISHED);
    }

    /** Gives the key up after a failed publication, so the sender's retry need not wait for the lease. */
    public void release(String key, String claimId, String taskKey) {
        send(key, claimId, taskKey, PublicationState.RELEASED);
    }

    /** Waits until the key's holder changes from {@code holder}, or the deadline; returns the holder then. */
    public synchronized Optional<Holder> awaitChange(String key, Holder holder, long deadline) {
        try {
            long left;
            while (holder.equals(holders.get(key)) && (left = deadline - System.currentTimeMillis()) > 0) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while waiting for another replica's publication of " + key, e);
        }
        return holder(key);
    }

    private RecordMetadata write(String key, String claimId, String taskKey, PublicationState state) {
        try {
            return send(key, claimId, taskKey, state).get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS).getRecordMetadata();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while claiming " + key, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new RetryLater("could not claim the publication of " + key + " on " + Topics.PUBLICATIONS + ": " + e, e);
        }
    }

    private CompletableFuture<SendResult<String, PublicationClaim>> send(String key, String claimId, String taskKey, PublicationState state) {
        return template.send(Topics.PUBLICATIONS, key, PublicationClaim.newBuilder()
                .setClaimId(claimId).setInstance(instance).setState(state).setTaskKey(taskKey).build());
    }

    private synchronized void awaitRead(int partition, long offset, long deadline, String key) {
        try {
            long left;
            while (readTo.getOrDefault(partition, 0L) <= offset) {
                left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new RetryLater("could not read the claim of " + key + " back from " + Topics.PUBLICATIONS
                            + " in time (partition " + partition + " read to " + readTo.getOrDefault(partition, 0L) + ", claim at " + offset + ")");
                }
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while reading back the claim of " + key, e);
        }
    }

    /** Applies one step, in log order. Every replica applies the same steps in the same order to the same holders. */
    void apply(String key, PublicationClaim step, long stampedAt) {
        holders.compute(key, (k, held) -> {
            if (step == null) {
                return null;
            }
            return switch (step.getState()) {
                case PUBLISHED -> new Holder(step.getClaimId(), stampedAt, true);
                case RELEASED -> held != null && !held.published() && held.claimId().equals(step.getClaimId()) ? null : held;
                case CLAIMED -> held == null || (!held.published() && stampedAt - held.stampedAt() > leaseMillis)
                        ? new Holder(step.getClaimId(), stampedAt, false)
                        : held;
            };
        });
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void start() {
        consumer = new KafkaConsumer<>(consumerProperties);
        running = true;
        thread = Thread.ofPlatform().name("ingest-publication-log").daemon().start(this::follow);
    }

    @Override
    public void stop() {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void follow() {
        try (KafkaConsumer<String, Object> c = consumer) {
            List<TopicPartition> partitions = List.of();
            long checkedPartitionsAt = 0;
            while (running) {
                try {
                    if (System.currentTimeMillis() - checkedPartitionsAt > 30_000 || partitions.isEmpty()) {
                        checkedPartitionsAt = System.currentTimeMillis();
                        // the topic may have grown: read every partition a claim can land on
                        List<TopicPartition> now = c.partitionsFor(Topics.PUBLICATIONS).stream()
                                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                        if (!now.equals(partitions)) {
                            List<TopicPartition> known = partitions;
                            List<TopicPartition> added = now.stream().filter(p -> !known.contains(p)).toList();
                            c.assign(now);
                            c.seekToBeginning(added);
                            partitions = now;
                        }
                    }
                    if (partitions.isEmpty()) {
                        // the topic is not there yet (ingest creates it at start-up)
                        sleepQuietly();
                        continue;
                    }
                    var records = c.poll(Duration.ofMillis(500));
                    for (ConsumerRecord<String, Object> r : records) {
                        apply(r.key(), r.value() instanceof PublicationClaim claim ? claim : null, r.timestamp());
                    }
                    synchronized (this) {
                        for (TopicPartition p : partitions) {
                            readTo.put(p.partition(), c.position(p));
                        }
                        notifyAll();
                    }
                } catch (WakeupException e) {
                    // stop() asked
                } catch (RuntimeException e) {
                    if (running) {
                        log.warn("reading {} failed, trying again in 1 s: {}", Topics.PUBLICATIONS, e.toString());
                        sleepQuietly();
                    }
                }
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Object> reader(Map<String, Object> consumerProperties, String instance) {
        Map<String, Object> p = AssignedReader.properties(consumerProperties, "nightshift-ingest-publications-" + instance);
        // a claim is read back while a webhook waits: answer as soon as it is there
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        return p;
    }
}
