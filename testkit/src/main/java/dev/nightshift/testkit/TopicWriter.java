package dev.nightshift.testkit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import dev.nightshift.events.TrustedEvents;
import dev.nightshift.signing.SignedSerializer;
import dev.nightshift.signing.SigningKeys;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes records as the services write them (Avro through the registry, signed with the tests' key), for
 * states a test must set up by hand; and, for attacks, unsigned or signed with another key.
 */
public final class TopicWriter {

    /** By signing key; "" for unsigned. */
    private static final Map<String, KafkaProducer<String, Object>> producers = new HashMap<>();

    private TopicWriter() {
    }

    public static synchronized void send(String topic, String key, Object value) throws ExecutionException, InterruptedException {
        producer(TestSigningKey.KEY).send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Sends without waiting for each record, then waits for all: a burst, as a busy producer writes one. */
    public static synchronized void sendAll(String topic, List<Map.Entry<String, Object>> records) {
        KafkaProducer<String, Object> producer = producer(TestSigningKey.KEY);
        records.forEach(r -> producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue())));
        producer.flush();
    }

    /** As anyone who reaches the broker could: Avro through the registry, no signature. */
    public static synchronized void sendUnsigned(String topic, String key, Object value) throws ExecutionException, InterruptedException {
        producer("").send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Signed with a key of one's own ({@code <id>:<secret>}). */
    public static synchronized void sendSignedWith(String signingKey, String topic, String key, Object value)
            throws ExecutionException, InterruptedException {
        producer(signingKey).send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static KafkaProducer<String, Object> producer(String signingKey) {
        return producers.computeIfAbsent(signingKey, k -> {
            TrustedEvents.trust();
            SharedInfrastructure infra = SharedInfrastructure.get();
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            if (k.isEmpty()) {
                props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
            } else {
                props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SignedSerializer.class.getName());
                props.put(SigningKeys.KEY, k);
            }
            props.put("apicurio.registry.url", infra.registryUrl());
            props.put("apicurio.registry.auto-register", "true");
            props.put("apicurio.registry.dereference-schema", "true");
            return new KafkaProducer<>(props);
        });
    }
}
