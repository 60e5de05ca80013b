package dev.nightshift.signing;

import java.util.HashMap;
import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import org.apache.kafka.common.header.Headers;
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
        Map<String, Object> withProvider = new HashMap<>(configs);
        // unless a producer names its own: Apicurio's provider fingerprints the schema for every record written
        withProvider.putIfAbsent(AvroSerdeConfig.AVRO_DATUM_PROVIDER, OneWriterPerClass.class.getName());
        delegate.configure(withProvider, isKey);
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

    @Override
    public void close() {
        delegate.close();
    }
}
