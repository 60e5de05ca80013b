package dev.nightshift.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import dev.nightshift.events.TrustedEvents;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads everything a topic holds right now, decoded through the registry like the services decode it. */
public final class TopicReader {

    private TopicReader() {
    }

    public static List<ConsumerRecord<String, Object>> readAll(String topic) {
        SharedInfrastructure infra = SharedInfrastructure.get();
        return readAll(topic, infra.bootstrapServers(), infra.registryUrl());
    }

    /** From another broker and registry (a standalone's own). */
    public static List<ConsumerRecord<String, Object>> readAll(String topic, String bootstrapServers, String registryUrl) {
        TrustedEvents.trust();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaDeserializer");
        props.put("apicurio.registry.url", registryUrl);
        props.put("apicurio.registry.use-specific-avro-reader", "true");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // as report reads them: dispatch writes in transactions
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    public static List<Object> valuesFor(String topic, String key) {
        return readAll(topic).stream().filter(r -> key.equals(r.key())).map(ConsumerRecord::value).toList();
    }
}
