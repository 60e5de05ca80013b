package dev.nightshift.dispatch.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.nightshift.lifecycle.Phase;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * The one place dispatch writes to Kafka: ledger entries and run events, on one thread, in the order they
 * were handed in. What is waiting when a batch starts goes in one transaction, so a run's outcome and its
 * ledger entry are on Kafka together or not at all, and a lease renewal can never land after the entry
 * that ended the run. A batch Kafka refuses is retried with backoff until it is written: an outcome is
 * published again, never produced again by running the agent again. Progress lines ride along with the
 * next batch (or go on their own after a short wait): they do not cost a transaction each.
 */
public class Publisher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Publisher.class);
    private static final int MAX_BATCH = 500;
    private static final long PROGRESS_WAIT_MILLIS = 250;

    private record Pending(List<ProducerRecord<String, Object>> records, CompletableFuture<Void> written) {
    }

    private final KafkaTemplate<String, Object> transactional;
    private final Duration stopWait;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final ConcurrentLinkedQueue<ProducerRecord<String, Object>> progress = new ConcurrentLinkedQueue<>();
    private volatile boolean running;
    private volatile boolean stopping;
    private Thread thread;

    /** @param transactional a template whose producer factory has a transaction id prefix unique to this instance */
    public Publisher(KafkaTemplate<String, Object> transactional, Duration stopWait) {
        this.transactional = transactional;
        this.stopWait = stopWait;
    }

    /** Completes once every record is on Kafka, after everything handed in before. */
    public CompletableFuture<Void> write(List<ProducerRecord<String, Object>> records) {
        Pending p = new Pending(List.copyOf(records), new CompletableFuture<>());
        if (!running) {
            p.written().completeExceptionally(new IllegalStateException("dispatch's publisher is stopped"));
            return p.written();
        }
        queue.add(p);
        return p.written();
    }

    /**
     * A record nobody waits for (a progress line): written with the next batch, in the order handed in,
     * and before anything handed in after it.
     */
    public void writeSoon(ProducerRecord<String, Object> record) {
        if (running) {
            progress.add(record);
        }
    }

    /**
     * Opens a transactional producer (its transactions initialised: the coordinator found, the producer id fenced
     * in), learns these topics' partitions, and takes one transaction through the broker, aborted: the example
     * record in it is never read by anyone (every reader of dispatch's topics reads committed records only), and
     * the first run's lease finds the producer, the coordinator and the markers' path ready.
     */
    public void warmUp(List<String> topics, ProducerRecord<String, Object> abortedExample) {
        try (Producer<String, Object> producer = transactional.getProducerFactory().createProducer()) {
            topics.forEach(producer::partitionsFor);
            producer.beginTransaction();
            producer.send(abortedExample);
            producer.flush();
            producer.abortTransaction();
        }
    }

    /** Completes once everything handed in so far is on Kafka. */
    public CompletableFuture<Void> flush() {
        return write(List.of());
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (running || !queue.isEmpty() || !progress.isEmpty()) {
            try {
                Pending first = queue.poll(progress.isEmpty() ? 100 : PROGRESS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                if (first == null && progress.isEmpty()) {
                    if (stopping) {
                        break;
                    }
                    continue;
                }
                // progress first: whatever was handed in after a progress line is in this batch or a later one
                List<ProducerRecord<String, Object>> records = new ArrayList<>();
                for (ProducerRecord<String, Object> line; (line = progress.poll()) != null; ) {
                    records.add(line);
                }
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH);
                }
                batch.forEach(p -> records.addAll(p.records()));
                writeUntilDone(records);
                batch.forEach(p -> p.written().complete(null));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                IllegalStateException why = new IllegalStateException("not written: dispatch stopped before Kafka took it", e);
                batch.forEach(p -> p.written().completeExceptionally(why));
            }
            batch.clear();
        }
        IllegalStateException why = new IllegalStateException("dispatch's publisher stopped");
        queue.forEach(p -> p.written().completeExceptionally(why));
        queue.clear();
    }

    /** One transaction per try; the same batch again after a failure, with backoff, until it is written or we stop. */
    private void writeUntilDone(List<ProducerRecord<String, Object>> records) throws InterruptedException {
        if (records.isEmpty()) {
            return;
        }
        BackOffExecution backOff = null;
        while (true) {
            try {
                transactional.executeInTransaction(ops -> {
                    records.forEach(ops::send);
                    return null;
                });
                return;
            } catch (RuntimeException e) {
                if (backOff == null) {
                    ExponentialBackOff policy = new ExponentialBackOff(200, 2.0);
                    policy.setMaxInterval(10_000);
                    backOff = policy.start();
                }
                long wait = backOff.nextBackOff();
                log.warn("Kafka did not take {} record(s) (run events, ledger entries): {}; trying again in {} ms",
                        records.size(), e.getMessage(), wait);
                if (!running && stopping) {
                    throw e;
                }
                Thread.sleep(wait);
            }
        }
    }

    @Override
    public void start() {
        running = true;
        stopping = false;
        thread = Thread.ofPlatform().name("dispatch-publisher").start(this::loop);
    }

    /** Writes what was handed in before stopping (up to the stop wait), then stops. */
    @Override
    public void stop() {
        CompletableFuture<Void> drained = flush();
        try {
            drained.get(stopWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("stopping with records not written to Kafka: {}", e.getMessage());
        }
        stopping = true;
        running = false;
        try {
            thread.join(stopWait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops after everything that writes through it. */
    @Override
    public int getPhase() {
        return Phase.WRITER.value();
    }
}
