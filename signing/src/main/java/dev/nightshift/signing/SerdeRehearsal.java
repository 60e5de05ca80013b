package dev.nightshift.signing;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;

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

    private SerdeRehearsal() {
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
