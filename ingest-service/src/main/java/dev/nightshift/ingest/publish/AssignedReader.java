package dev.nightshift.ingest.publish;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Settings of a consumer of ingest's own that reads partitions it assigns itself: no group, no commits, Avro values. */
public final class AssignedReader {

    private AssignedReader() {
    }

    public static Map<String, Object> properties(Map<String, Object> consumerProperties, String clientId) {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // dispatch writes the ledger in transactions: an aborted entry never happened
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, io.apicurio.registry.serde.avro.AvroKafkaDeserializer.class);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // topics are created by their owners with their own settings, never by a read
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return p;
    }
}
