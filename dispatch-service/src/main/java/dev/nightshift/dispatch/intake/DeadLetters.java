package dev.nightshift.dispatch.intake;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.nightshift.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * A task event that keeps failing (not an agent failing: that is an outcome) is retried with backoff,
 * then parked on nightshift.tasks.dlt with the exception in headers. Undecodable records go there at
 * once, as the bytes that arrived.
 */
@Configuration
class DeadLetters {

    /** The broker creates no topics on its own: the dead letters' owner creates theirs. */
    @Bean
    NewTopic deadLettersTopic() {
        return TopicBuilder.name(Topics.deadLetters(Topics.TASKS)).partitions(1).build();
    }

    @Bean
    DefaultErrorHandler errorHandler(ProducerFactory<Object, Object> producers, KafkaTemplate<Object, Object> avro) {
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, new KafkaTemplate<>(producers,
                Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        templates.put(Object.class, avro);
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(templates,
                (record, e) -> new TopicPartition(Topics.deadLetters(record.topic()), -1));
        ExponentialBackOff backOff = new ExponentialBackOff(1_000, 2.0);
        backOff.setMaxElapsedTime(30_000);
        return new DefaultErrorHandler(recoverer, backOff);
    }
}
