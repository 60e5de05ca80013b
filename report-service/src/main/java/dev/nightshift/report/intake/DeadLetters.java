package dev.nightshift.report.intake;

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
import org.springframework.web.client.HttpClientErrorException;

/**
 * A run event whose write-back keeps failing (a target down, rate limited) is retried with backoff,
 * then parked on nightshift.runs.dlt with the exception in headers; a refusal (4xx) is parked at
 * once. Undecodable records go there at once, as the bytes that arrived.
 */
@Configuration
class DeadLetters {

    /** The broker creates no topics on its own: the dead letters' owner creates theirs. */
    @Bean
    NewTopic deadLettersTopic() {
        return TopicBuilder.name(Topics.deadLetters(Topics.RUNS)).partitions(1).build();
    }

    @Bean
    DefaultErrorHandler errorHandler(ProducerFactory<Object, Object> producers, KafkaTemplate<Object, Object> avro) {
        Map<Class<?>, KafkaOperations<?, ?>> templates = new LinkedHashMap<>();
        templates.put(byte[].class, new KafkaTemplate<>(producers,
                Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)));
        templates.put(Object.class, avro);
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(templates,
                (record, e) -> new TopicPartition(Topics.deadLetters(record.topic()), -1));
        ExponentialBackOff backOff = new ExponentialBackOff(2_000, 2.0);
        backOff.setMaxElapsedTime(120_000);
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
        // a 4xx will not change on retry (a deleted task, a wrong token): park it at once; a rate limit does
        handler.addNotRetryableExceptions(HttpClientErrorException.class);
        handler.addRetryableExceptions(HttpClientErrorException.TooManyRequests.class);
        return handler;
    }
}
