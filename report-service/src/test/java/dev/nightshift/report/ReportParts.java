package dev.nightshift.report;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.TrustedEvents;
import dev.nightshift.report.writes.WriteLog;
import dev.nightshift.testkit.ReportTopics;
import dev.nightshift.testkit.SharedInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/** Report's parts on the shared broker and registry (testkit's), as report wires them, for tests of one sink at a time. */
public final class ReportParts {

    private static WriteLog writeLog;

    private ReportParts() {
    }

    /** A text as a JSON string literal, to write expected request bodies. */
    public static String json(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** A write log on the shared broker, started and read up to the end. */
    public static synchronized WriteLog writeLog() throws Exception {
        if (writeLog == null) {
            TrustedEvents.trust();
            ReportTopics.create();
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
