package dev.nightshift.signing;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Example records written as a Nightshift producer writes them (Avro through the registry, signed) and read
 * back as its consumers read them (signature verified, Avro read), without Kafka: a service's warm-up, so that
 * its first real record does not pay for the schema look-ups (a registration on a fresh registry), the registry
 * client and the codecs. Nothing is sent.
 */
public final class SerdeRehearsal {

    /** One example as a producer would have written it. */
    public record Written(String topic, Headers headers, byte[] value) {
    }

    private static final Logger log = LoggerFactory.getLogger(SerdeRehearsal.class);

    private SerdeRehearsal() {
    }

    /**
     * A serializer configured with these producer properties that has written the examples, for a producer to be
     * given (its schema cache is then warm). Best effort: a registry that does not answer yet leaves it cold, and
     * its first record looks its schema up as it always would.
     */
    public static SignedSerializer<Object> warmSerializer(Map<String, ?> producerProperties, Map<String, ?> examplesByTopic) {
        SignedSerializer<Object> serializer = new SignedSerializer<>();
        serializer.configure(producerProperties, false);
        try {
            examplesByTopic.forEach((topic, example) -> write(serializer, topic, example));
        } catch (RuntimeException e) {
            log.info("a producer's serializer starts cold (its first record looks its schema up): {}", e.toString());
        }
        return serializer;
    }

    /**
     * A verifying deserializer configured with these consumer properties that has read the examples back (written
     * with the producer properties), for a consumer to be given. Best effort, as {@link #warmSerializer}.
     */
    public static VerifyingDeserializer<Object> warmDeserializer(Map<String, ?> consumerProperties, Map<String, ?> producerProperties,
            Map<String, ?> examplesByTopic) {
        VerifyingDeserializer<Object> deserializer = new VerifyingDeserializer<>();
        deserializer.configure(consumerProperties, false);
        try {
            examplesByTopic.forEach((topic, example) -> read(deserializer, write(producerProperties, topic, example)));
        } catch (RuntimeException e) {
            log.info("a consumer's deserializer starts cold (its first record looks its schema up): {}", e.toString());
        }
        return deserializer;
    }

    /**
     * Writes each example for its topic and reads it back, with a serializer and a deserializer configured as
     * these producer and consumer properties configure a service's own.
     */
    public static void roundTrip(Map<String, ?> producerProperties, Map<String, ?> consumerProperties, Map<String, ?> examplesByTopic) {
        Map<String, Object> reading = new HashMap<>(producerProperties);
        reading.putAll(consumerProperties);
        try (SignedSerializer<Object> serializer = new SignedSerializer<>();
                VerifyingDeserializer<Object> deserializer = new VerifyingDeserializer<>()) {
            serializer.configure(producerProperties, false);
            deserializer.configure(reading, false);
            examplesByTopic.forEach((topic, example) -> read(deserializer, write(serializer, topic, example)));
        }
    }

    /** Writes one example with this serializer (configured). */
    public static Written write(SignedSerializer<Object> serializer, String topic, Object example) {
        Headers headers = new RecordHeaders();
        return new Written(topic, headers, serializer.serialize(topic, headers, example));
    }

    /** Writes one example with a serializer configured as a producer with these properties configures its own. */
    public static Written write(Map<String, ?> producerProperties, String topic, Object example) {
        try (SignedSerializer<Object> serializer = new SignedSerializer<>()) {
            serializer.configure(producerProperties, false);
            return write(serializer, topic, example);
        }
    }

    /** Reads it back with this deserializer: a service's own instance, whose schema cache is then warm too. */
    public static <T> T read(Deserializer<T> deserializer, Written written) {
        T value = deserializer.deserialize(written.topic(), written.headers(), written.value());
        if (value == null) {
            throw new IllegalStateException("the example written for " + written.topic() + " read back as nothing");
        }
        return value;
    }
}
