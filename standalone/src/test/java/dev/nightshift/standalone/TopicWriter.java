package dev.nightshift.standalone;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import dev.nightshift.events.TrustedEvents;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes records as the services write them (Avro through the registry), for states a test must set up by hand. */
public final class TopicWriter {

    private static KafkaProducer<String, Object> producer;

    private TopicWriter() {
    }

    public static synchronized void send(String topic, String key, Object value) throws ExecutionException, InterruptedException {
        producer().send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** Sends without waiting for each record, then waits for all: a burst, as a busy producer writes one. */
    public static synchronized void sendAll(String topic, List<Map.Entry<String, Object>> records) {
        records.forEach(r -> producer().send(new ProducerRecord<>(topic, r.getKey(), r.getValue())));
        producer().flush();
    }

    private static KafkaProducer<String, Object> producer() {
        if (producer == null) {
            TrustedEvents.trust();
            SharedInfrastructure infra = SharedInfrastructure.get();
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, "io.apicurio.registry.serde.avro.AvroKafkaSerializer");
            props.put("apicurio.registry.url", infra.registryUrl());
            props.put("apicurio.registry.auto-register", "true");
            props.put("apicurio.registry.dereference-schema", "true");
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }
}
