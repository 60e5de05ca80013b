package dev.nightshift.follower;

import java.util.HashMap;
import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The settings of a private reader: a consumer of a service's own that assigns itself partitions and reads
 * them whole. The one place they are written, so the readers of the ledger, the spend ledger and the write
 * log cannot drift apart.
 */
public final class ReaderProperties {

    private ReaderProperties() {
    }

    /**
     * @param consumerProperties the service's consumer settings (bootstrap servers, security, the registry's
     *                           settings); what a private reader must not inherit is replaced here
     * @param clientId           names the reader in the broker's logs and metrics
     */
    public static Map<String, Object> of(Map<String, Object> consumerProperties, String clientId) {
        Map<String, Object> p = new HashMap<>(consumerProperties);
        // no group and no commits: the reader assigns itself partitions and reads them from the start each time
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        p.remove(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a position lost to retention starts again from what is left, never from the end
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the services write their state in transactions (dispatch) or alone (report): an aborted record never happened
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        // Avro through the registry; an unreadable record fails its poll and is skipped by the reader, never taken for a tombstone
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroKafkaDeserializer.class);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // topics are created by their owners with their own settings, never by a read
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return p;
    }
}
