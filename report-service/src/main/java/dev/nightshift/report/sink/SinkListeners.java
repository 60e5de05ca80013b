package dev.nightshift.report.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportProperties;
import dev.nightshift.report.target.TargetFault;
import dev.nightshift.report.writes.WriteLog;
import dev.nightshift.signing.RecordRefusals;
import dev.nightshift.signing.RefusedRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.ContainerPausingBackOffHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.ListenerContainerPauseService;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.listener.GenericMessageListener;
import org.springframework.kafka.listener.MessageListener;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.core.log.LogAccessor;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Reads nightshift.runs once per sink that is on: its own consumer group, its own error handler and its own
 * dead-letter topic, so one target's outage, rate limit or bad token holds up only that target. Events of
 * one task stay in order per sink (a failed event is retried before the next of its partition).
 * <ul>
 * <li>target unavailable: backoff up to a minute between tries, parked after {@code give-up-after};</li>
 * <li>rate limited: the event's partition pauses as long as the target asked, however often, never parked;</li>
 * <li>credential rejected: the sink's gate closes, events wait, a check every
 *     {@code credential-check-interval} reopens it; never parked;</li>
 * <li>refused, or undecodable: parked at once, with the reason in the record's headers;</li>
 * <li>not signed by a Nightshift service (unsigned, unknown key, mis-signed): refused before it is read,
 *     parked at once with the reason in header {@value RefusedRecord#REASON_HEADER}, counted, never written.</li>
 * </ul>
 * Backoff pauses the partition (spring-kafka's {@link ContainerPausingBackOffHandler}) rather than sleeping,
 * so a long wait never costs the consumer its place in the group.
 */
@Component
public class SinkListeners implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(SinkListeners.class);
    private static final LogAccessor LOG = new LogAccessor(SinkListeners.class);

    private final List<Sink> sinks;
    private final ConcurrentKafkaListenerContainerFactory<Object, Object> factory;
    private final ProducerFactory<Object, Object> producers;
    private final KafkaTemplate<Object, Object> avro;
    private final KafkaAdmin admin;
    private final ReportProperties properties;
    private final MeterRegistry meters;
    private final WriteLog writes;
    private final RecordRefusals refusals;
    private final List<ConcurrentMessageListenerContainer<Object, Object>> containers = new ArrayList<>();
    /** Per container, its group's first assignment of partitions to it. */
    private final List<CompletableFuture<Void>> assigned = new CopyOnWriteArrayList<>();
    private SimpleAsyncTaskScheduler scheduler;
    private volatile boolean running;

    public SinkListeners(List<Sink> sinks, ConcurrentKafkaListenerContainerFactory<Object, Object> factory,
            ProducerFactory<Object, Object> producers, KafkaTemplate<Object, Object> avro, KafkaAdmin admin,
            ReportProperties properties, MeterRegistry meters, WriteLog writes, RecordRefusals refusals) {
        this.sinks = sinks;
        this.factory = factory;
        this.producers = producers;
        this.avro = avro;
        this.admin = admin;
        this.properties = properties;
        this.meters = meters;
        this.writes = writes;
        this.refusals = refusals;
    }

    /** Where a sink parks the events it cannot write. */
    public static String deadLetters(String sink) {
        return Topics.deadLetters(Topics.RUNS + "." + sink);
    }

    @Override
    public void start() {
        scheduler = new SimpleAsyncTaskScheduler();
        scheduler.setThreadNamePrefix("report-sinks-");
        scheduler.setVirtualThreads(true);
        ListenerContainerPauseService pauses = new ListenerContainerPauseService(null, scheduler);
        // parked records keep their form: Avro as it was read, undecodable ones as the bytes that arrived
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, new KafkaTemplate<>(producers,
                Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        templates.put(Object.class, avro);
        for (Sink sink : sinks) {
            if (sink.offBecause().isPresent()) {
                log.warn("the {} sink is off: {}", sink.name(), sink.offBecause().get());
                continue;
            }
            admin.createOrModifyTopics(TopicBuilder.name(deadLetters(sink.name())).partitions(1).build());
            DeadLetterPublishingRecoverer parking = new DeadLetterPublishingRecoverer(templates,
                    (record, e) -> new TopicPartition(deadLetters(sink.name()), -1));
            parking.setHeadersFunction((record, e) -> RecordRefusals.reasonHeaders(e));
            DefaultErrorHandler errors = errorHandler(sink, pauses, (record, e) -> {
                RefusedRecord.in(e).ifPresent(refused -> refusals.count(record.topic(), refused));
                log.error("the {} sink parks the event at {}-{}@{} on {}: {}", sink.name(), record.topic(), record.partition(),
                        record.offset(), deadLetters(sink.name()), reason(e));
                parking.accept(record, e);
            });
            listen(sink, Topics.RUNS, sink.group(properties.groupPrefix()), sink.writesInBatches() ? batchWriter(sink) : (MessageListener<Object, Object>) record -> {
                if (record.value() instanceof RunEvent event && sink.wants(event)) {
                    try (MDC.MDCCloseable task = MDC.putCloseable("taskKey", event.getTaskKey());
                            MDC.MDCCloseable run = MDC.putCloseable("runId", event.getRunId())) {
                        sink.write(event);
                    }
                    count(sink, event.getBody());
                }
            }, errors, Map.of());
            log.info("the {} sink writes run events (group {}, dead letters on {})", sink.name(), sink.group(properties.groupPrefix()), deadLetters(sink.name()));
            if (sink.acknowledgesTasks()) {
                acknowledgeTasks(sink, pauses);
            }
        }
        scheduler.scheduleWithFixedDelay(this::checkPausedCredentials, properties.credentialCheckInterval());
        running = true;
    }

    /**
     * Task requests are acknowledged from the newest on (a new deployment does not answer old sessions), and
     * only while fresh; one that cannot be made is dropped with its reason, since the run's own writes follow.
     */
    private void acknowledgeTasks(Sink sink, ListenerContainerPauseService pauses) {
        String group = sink.group(properties.groupPrefix()) + "-tasks";
        listen(sink, Topics.TASKS, group, (MessageListener<Object, Object>) record -> {
            if (record.value() instanceof TaskEvent event && sink.wants(event)) {
                Duration age = Duration.ofMillis(System.currentTimeMillis() - event.getOccurredAt().toEpochMilli());
                if (age.compareTo(properties.acknowledgeWithin()) > 0) {
                    log.info("the {} sink does not acknowledge {}: its request is {} s old", sink.name(), event.getTaskKey(), age.toSeconds());
                    return;
                }
                sink.acknowledge(event);
                count(sink, event.getBody());
            }
        }, errorHandler(sink, pauses, (record, e) -> {
            RefusedRecord.in(e).ifPresent(refused -> refusals.count(record.topic(), refused));
            log.warn("the {} sink drops the acknowledgement of {}-{}@{}: {}", sink.name(), record.topic(), record.partition(), record.offset(), reason(e));
        }), Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"));
        log.info("the {} sink acknowledges task requests (group {})", sink.name(), group);
    }

    /**
     * A batch as polled, the events the sink wants written together. A failure names its event, so those
     * before it are committed and it is retried (or parked) as a single event would be.
     */
    private BatchMessageListener<Object, Object> batchWriter(Sink sink) {
        return records -> {
            List<ConsumerRecord<Object, Object>> wanted = new ArrayList<>();
            List<RunEvent> events = new ArrayList<>();
            for (ConsumerRecord<Object, Object> record : records) {
                if (record.value() == null && record.headers().lastHeader(SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER) != null) {
                    // undecodable or refused: what comes before it is written, it is parked as a record listener would
                    write(sink, wanted, events);
                    throw new BatchListenerFailedException("undecodable run event",
                            SerializationUtils.getExceptionFromHeader(record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG), record);
                }
                if (record.value() instanceof RunEvent event && sink.wants(event)) {
                    wanted.add(record);
                    events.add(event);
                }
            }
            write(sink, wanted, events);
        };
    }

    private void write(Sink sink, List<ConsumerRecord<Object, Object>> records, List<RunEvent> events) {
        try {
            sink.writeAll(events);
        } catch (Sink.Unwritten unwritten) {
            events.subList(0, unwritten.index()).forEach(event -> count(sink, event.getBody()));
            throw new BatchListenerFailedException(unwritten.getMessage(), unwritten.getCause(), records.get(unwritten.index()));
        }
        events.forEach(event -> count(sink, event.getBody()));
    }

    private void listen(Sink sink, String topic, String group, GenericMessageListener<?> listener, DefaultErrorHandler errors,
            Map<String, String> consumer) {
        ConcurrentMessageListenerContainer<Object, Object> container = factory.createContainer(topic);
        container.getContainerProperties().setGroupId(group);
        container.getContainerProperties().setMessageListener(listener);
        if (listener instanceof BatchMessageListener) {
            // offsets of a batch are committed once it is written (a failure commits those before it)
            container.getContainerProperties().setAckMode(ContainerProperties.AckMode.BATCH);
        }
        if (!consumer.isEmpty()) {
            Properties overrides = new Properties();
            overrides.putAll(consumer);
            container.getContainerProperties().setKafkaConsumerProperties(overrides);
        }
        CompletableFuture<Void> first = new CompletableFuture<>();
        assigned.add(first);
        container.getContainerProperties().setConsumerRebalanceListener(new ConsumerAwareRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // what the partitions' previous owner noted is known before any of their events is handled
                writes.awaitCaughtUp(Duration.ofSeconds(60));
                if (!partitions.isEmpty()) {
                    first.complete(null);
                }
            }
        });
        container.setCommonErrorHandler(errors);
        container.setBeanName("report-" + sink.name() + "-" + topic);
        container.start();
        containers.add(container);
    }

    private void count(Sink sink, Object body) {
        Counter.builder("nightshift.report.writes")
                .description("Events written back, by sink and event kind")
                .tag("sink", sink.name())
                .tag("kind", body.getClass().getSimpleName())
                .register(meters)
                .increment();
    }

    private DefaultErrorHandler errorHandler(Sink sink, ListenerContainerPauseService pauses, ConsumerRecordRecoverer recoverer) {
        ExponentialBackOff unavailable = new ExponentialBackOff(2_000, 2.0);
        unavailable.setMaxInterval(60_000);
        unavailable.setMaxElapsedTime(properties.giveUpAfter().toMillis());
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, unavailable, new ContainerPausingBackOffHandler(pauses));
        handler.setBackOffFunction((record, e) -> TargetFault.in(e).map(fault -> waitingBackOff(fault)).orElse(null));
        handler.setResetStateOnExceptionChange(true);
        handler.addNotRetryableExceptions(TargetFault.Refused.class);
        handler.setRetryListeners((record, e, attempt) -> {
            if (RefusedRecord.in(e).isEmpty()) { // a refused record is never tried again: its parking is what is logged
                log.warn("the {} sink will try the event at {}-{}@{} again (failure {}): {}",
                        sink.name(), record.topic(), record.partition(), record.offset(), attempt, reason(e));
            }
        });
        return handler;
    }

    /** Waits that are the target's to end, never a reason to park: a rate limit, a rejected credential. */
    private BackOff waitingBackOff(TargetFault fault) {
        return switch (fault) {
            case TargetFault.RateLimited limited -> new FixedBackOff(Math.max(1_000, limited.waitFor().toMillis()), FixedBackOff.UNLIMITED_ATTEMPTS);
            case TargetFault.CredentialRejected rejected -> new FixedBackOff(properties.credentialCheckInterval().toMillis(), FixedBackOff.UNLIMITED_ATTEMPTS);
            default -> null;
        };
    }

    private void checkPausedCredentials() {
        for (Sink sink : sinks) {
            if (sink.gate().closedBecause().isPresent()) {
                try {
                    sink.checkCredential();
                    sink.gate().open();
                } catch (RuntimeException stillFailing) {
                    log.debug("the {} sink's credential still fails: {}", sink.name(), stillFailing.getMessage());
                }
            }
        }
    }

    private static String reason(Throwable e) {
        return TargetFault.in(e).map(Throwable::getMessage).orElseGet(() -> {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return root.toString();
        });
    }

    @Override
    public void stop() {
        running = false;
        containers.forEach(ConcurrentMessageListenerContainer::stop);
        containers.clear();
        assigned.clear();
        if (scheduler != null) {
            scheduler.close();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Waits until every sink's consumers have partitions from their groups: a task request, acknowledged from
     * the newest offset on, is not missed by a consumer still joining. False if some had none within
     * {@code atMost} (their topic not made yet, or more report replicas than partitions).
     */
    public boolean awaitAssigned(Duration atMost) throws InterruptedException {
        try {
            CompletableFuture.allOf(assigned.toArray(CompletableFuture[]::new)).get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Lists what each sink does now, for health. */
    public Map<String, String> states() {
        Map<String, String> states = new LinkedHashMap<>();
        for (Sink sink : sinks) {
            states.put(sink.name(), sink.offBecause().map(why -> "off: " + why)
                    .or(() -> sink.gate().closedBecause().map(why -> "paused: " + why))
                    .orElse("writing"));
        }
        return states;
    }
}
