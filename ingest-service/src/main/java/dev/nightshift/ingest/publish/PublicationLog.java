package dev.nightshift.ingest.publish;

import java.time.Duration;
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
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

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

    private final Map<String, Object> producerProperties;
    private final Map<String, Object> consumerProperties;
    private final String instance;
    private final long leaseMillis;
    private final Duration writeTimeout;
    private final Map<String, Holder> holders = new ConcurrentHashMap<>();
    /** This replica's claims not yet read back, completed when the reader applies them. */
    private final Map<String, CompletableFuture<Void>> unread = new ConcurrentHashMap<>();
    private volatile boolean running;
    private KafkaProducer<String, Object> producer;
    private KafkaConsumer<String, Object> consumer;
    private Thread thread;

    /**
     * @param lease how long a claim holds its key while unpublished: longer than a publication can take
     */
    public PublicationLog(Map<String, Object> producerProperties, Map<String, Object> consumerProperties,
            String instance, Duration lease, Duration writeTimeout) {
        this.producerProperties = producerProperties;
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

    /**
     * Writes a claim and returns once this replica has read it back, so {@link #holder} tells who won. A
     * record is readable only once it is acknowledged, so the read-back is waited for, not the acknowledgement.
     */
    public void claim(String key, String claimId, String taskKey, long deadline) {
        CompletableFuture<Void> readBack = new CompletableFuture<>();
        unread.put(claimId, readBack);
        try {
            send(key, claimId, taskKey, PublicationState.CLAIMED, (written, failed) -> {
                if (failed != null) {
                    readBack.completeExceptionally(failed);
                }
            });
            readBack.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while claiming " + key, e);
        } catch (ExecutionException e) {
            throw new RetryLater("could not claim the publication of " + key + " on " + Topics.PUBLICATIONS + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new RetryLater("the claim of " + key + " was not read back from " + Topics.PUBLICATIONS + " in time", e);
        } catch (RuntimeException e) {
            // the serializer (schema registry) and metadata waits fail synchronously
            throw new RetryLater("could not claim the publication of " + key + " on " + Topics.PUBLICATIONS + ": " + e, e);
        } finally {
            unread.remove(claimId);
        }
    }

    /** Marks the key published; not waited for: a lost mark only lets a later delivery publish again, harmlessly. */
    public void published(String key, String claimId, String taskKey) {
        send(key, claimId, taskKey, PublicationState.PUBLISHED, PublicationLog::logFailure);
    }

    /** Gives the key up after a failed publication, so the sender's retry need not wait for the lease. */
    public void release(String key, String claimId, String taskKey) {
        send(key, claimId, taskKey, PublicationState.RELEASED, PublicationLog::logFailure);
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

    private void send(String key, String claimId, String taskKey, PublicationState state, Callback done) {
        try {
            producer.send(new ProducerRecord<>(Topics.PUBLICATIONS, key, PublicationClaim.newBuilder()
                    .setClaimId(claimId).setInstance(instance).setState(state).setTaskKey(taskKey).build()), done);
        } catch (RuntimeException e) {
            done.onCompletion(null, e);
        }
    }

    private static void logFailure(RecordMetadata written, Exception failed) {
        if (failed != null) {
            log.warn("could not mark a publication on {}: {}", Topics.PUBLICATIONS, failed.toString());
        }
    }

    /** Applies one step, in log order. Every replica applies the same steps in the same order to the same holders. */
    void apply(String key, PublicationClaim step, long stampedAt) {
        applyStep(key, step, stampedAt);
        if (step != null && step.getState() == PublicationState.CLAIMED) {
            CompletableFuture<Void> mine = unread.get(step.getClaimId());
            if (mine != null) {
                mine.complete(null);
            }
        }
    }

    private void applyStep(String key, PublicationClaim step, long stampedAt) {
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
        // its own producer: claims do not queue behind task events in one connection's in-flight requests
        producer = new KafkaProducer<>(producerProperties);
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
        if (producer != null) {
            producer.close(writeTimeout);
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
                    if (!records.isEmpty()) {
                        synchronized (this) {
                            notifyAll();
                        }
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
