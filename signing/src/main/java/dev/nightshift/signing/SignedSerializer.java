package dev.nightshift.signing;

import java.util.Map;

import io.apicurio.registry.resolver.SchemaResolver;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.data.SerdeRecord;
import io.apicurio.registry.serde.kafka.KafkaSerializer;
import io.apicurio.registry.serde.kafka.data.KafkaSerdeMetadata;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro through the registry (Apicurio's serializer), then signed: the key id and the HMAC go in the record's
 * headers ({@link RecordSignature}). Configured by class name as a producer's value serializer; it finds its
 * key in the producer properties {@value SigningKeys#KEY} and refuses to start without a good one.
 */
public class SignedSerializer<T> implements Serializer<T> {

    private final Serializer<T> delegate;
    private SigningKey key;

    public SignedSerializer() {
        this(new AvroKafkaSerializer<>());
    }

    public SignedSerializer(Serializer<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        key = SigningKeys.of(configs).signing();
        delegate.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, T data) {
        throw new IllegalStateException("a signed record needs headers: Kafka's producer always passes them");
    }

    @Override
    public byte[] serialize(String topic, Headers headers, T data) {
        if (key == null) {
            throw new IllegalStateException("SignedSerializer was not configured (configure it by class name, not as an instance)");
        }
        byte[] value = delegate.serialize(topic, headers, data);
        RecordSignature.sign(key, topic, headers, value);
        return value;
    }

    /**
     * Looks up (and, where the settings allow, registers) the schema of this kind of record for this topic as
     * its first record would, ahead of it: the registry round trip, the client and the parsing are paid at
     * start-up. {@code example} only names the schema (an empty record does): nothing is serialized.
     */
    @SuppressWarnings("unchecked")
    public void lookUp(String topic, T example) {
        if (delegate instanceof KafkaSerializer<?, ?> registry) {
            ((SchemaResolver<Object, Object>) registry.getSchemaResolver())
                    .resolveSchema(new SerdeRecord<>(new KafkaSerdeMetadata(topic, false, new RecordHeaders()), example));
        }
    }

    /**
     * Looks up the schema of each example for its topic, with a serializer configured as a producer with these
     * properties configures its own: the registry, its client and the schemas are warm for the producer's.
     */
    public static void lookUpAll(Map<String, ?> producerProperties, Map<String, ?> examplesByTopic) {
        try (SignedSerializer<Object> serializer = new SignedSerializer<>()) {
            serializer.configure(producerProperties, false);
            examplesByTopic.forEach(serializer::lookUp);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }
}
