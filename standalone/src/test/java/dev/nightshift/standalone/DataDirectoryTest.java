package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.nightshift.embedded.EmbeddedBroker;
import dev.nightshift.embedded.RegistryProcess;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.testkit.SharedInfrastructure;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone keeps everything in one data directory: a task queued before a restart is still there,
 * and still decodes (its schema id still means the same schema), after it.
 */
@Timeout(180)
class DataDirectoryTest {

    @Test
    void aQueuedTaskSurvivesARestartOfBrokerAndRegistry(@TempDir Path data) throws Exception {
        TrustedEvents.trust();
        int kafka = SharedInfrastructure.freePort();
        int controller = SharedInfrastructure.freePort();
        int registryPort = SharedInfrastructure.freePort();
        int management = SharedInfrastructure.freePort();
        TaskEvent queued = task();

        try (EmbeddedBroker broker = EmbeddedBroker.start(data.resolve("kafka"), kafka, controller);
             RegistryProcess registry = RegistryProcess.start(SharedInfrastructure.registryHome(), data.resolve("registry"),
                     registryPort, management, data.resolve("registry.log"))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.TASKS, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerProps(broker, registry))) {
                producer.send(new ProducerRecord<>(Topics.TASKS, queued.getTaskKey(), queued)).get();
            }
        }

        try (EmbeddedBroker broker = EmbeddedBroker.start(data.resolve("kafka"), kafka, controller);
             RegistryProcess registry = RegistryProcess.start(SharedInfrastructure.registryHome(), data.resolve("registry"),
                     registryPort, management, data.resolve("registry.log"))) {
            assertThat(consumeAll(broker, registry)).containsExactly(queued);
        }
        assertThat(Files.list(data.resolve("kafka")).map(p -> p.getFileName().toString())).contains("meta.properties");
    }

    private static Properties producerProps(EmbeddedBroker broker, RegistryProcess registry) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
        p.put("apicurio.registry.url", registry.url());
        p.put("apicurio.registry.auto-register", "true");
        p.put("apicurio.registry.dereference-schema", "true");
        return p;
    }

    private static List<Object> consumeAll(EmbeddedBroker broker, RegistryProcess registry) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "data-directory-test");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
        p.put("apicurio.registry.url", registry.url());
        p.put("apicurio.registry.use-specific-avro-reader", "true");
        List<Object> values = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(Topics.TASKS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
        }
        return values;
    }

    private static TaskEvent task() {
        return TaskEvent.newBuilder()
                .setTaskKey("todoist:restart-1")
                .setEventId("e-1")
                .setOccurredAt(Instant.parse("2026-11-21T10:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("restart-1").setTitle("Survive a restart").build())
                .setBody(TaskRequested.newBuilder().setTaskVersion("added").setPrompt("Survive a restart")
                        .setWorker(WorkerSpec.newBuilder().setName("writer")
                                .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                                .setBudget(Budget.newBuilder().setWallTimeMillis(60_000).build())
                                .setOutputs(OutputSinks.of(List.of())).build())
                        .build())
                .build();
    }
}
