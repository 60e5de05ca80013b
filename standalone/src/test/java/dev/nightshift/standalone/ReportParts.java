package dev.nightshift.standalone;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.Topics;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.report.writes.WriteLog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/** Report's parts on the shared broker and registry, as report wires them, for tests of one sink at a time. */
public final class ReportParts {

    private static WriteLog writeLog;

    private ReportParts() {
    }

    /**
     * The topics report reads and writes, made as dispatch and report make them: nightshift.runs with
     * dispatch's default partitions (fewer would be raised by a dispatcher started later, unseen by a
     * running report's consumer for minutes).
     */
    public static void topics() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.get().bootstrapServers()))) {
            for (NewTopic topic : List.of(new NewTopic(Topics.RUNS, 6, (short) 1), new NewTopic(Topics.WRITES, 3, (short) 1))) {
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    /** A run of the writer worker on Todoist task {@code task}, attempt 1 of 1, a new run id, with this body. */
    static RunEvent todoistRun(String task, Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("todoist:" + task)
                .setRunId("run-" + UUID.randomUUID())
                .setAttempt(1)
                .setMaxAttempts(1)
                .setWorker("writer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(task).setTitle("Write a post").build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder().build())))
                .setBody(body)
                .build();
    }

    /** A text as a JSON string literal, to write expected request bodies. */
    static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** A write log on the shared broker, started and read up to the end. */
    static synchronized WriteLog writeLog() throws Exception {
        if (writeLog == null) {
            TrustedEvents.trust();
            topics();
            SharedInfrastructure infra = SharedInfrastructure.get();
            Map<String, Object> producer = new HashMap<>();
            producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
            producer.put(ProducerConfig.ACKS_CONFIG, "all");
            producer.put("apicurio.registry.url", infra.registryUrl());
            producer.put("apicurio.registry.auto-register", true);
            producer.put("apicurio.registry.dereference-schema", true);
            Map<String, Object> consumer = new HashMap<>();
            consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
            consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
            consumer.put("apicurio.registry.url", infra.registryUrl());
            consumer.put("apicurio.registry.use-specific-avro-reader", true);
            consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            WriteLog log = new WriteLog(new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(producer)), "report-parts", consumer, Duration.ofSeconds(10));
            log.start();
            log.awaitCaughtUp(Duration.ofSeconds(30));
            writeLog = log;
        }
        return writeLog;
    }
}
