package dev.nightshift.signing;

import java.util.Map;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Checks a record's signature before Apicurio's Avro deserializer reads it; throws {@link RefusedRecord}
 * (a SerializationException) for one that is unsigned, signed with a key not accepted or mis-signed, so
 * it is parked as unreadable and never obeyed. Keys come from the consumer properties
 * {@value SigningKeys#KEY} and {@value SigningKeys#ACCEPTED_KEYS}.
 */
public class VerifyingDeserializer<T> implements Deserializer<T> {

    private final Deserializer<T> delegate;
    private SigningKeys keys;

    public VerifyingDeserializer() {
        this(new AvroKafkaDeserializer<>());
    }

    public VerifyingDeserializer(Deserializer<T> delegate) {
        this.delegate = delegate;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        keys = SigningKeys.of(configs);
        delegate.configure(configs, isKey);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        throw new RefusedRecord(RefusedRecord.Reason.UNSIGNED, topic);
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        if (keys == null) {
            throw new IllegalStateException("VerifyingDeserializer was not configured (configure it by class name, not as an instance)");
        }
        RecordSignature.verify(keys, topic, headers, data);
        return delegate.deserialize(topic, headers, data);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
