package dev.nightshift.dispatch.intake;

import java.util.Map;

import dev.nightshift.events.Topics;
import dev.nightshift.signing.RecordRefusals;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Task records dispatch cannot read, or refuses as not signed by a Nightshift service, are parked on
 * nightshift.tasks.dlt, as the bytes that arrived, with the exception (and a refusal's reason) in headers.
 */
@Configuration
class DeadLetters {

    /** The broker creates no topics on its own: the dead letters' owner creates theirs. */
    @Bean
    NewTopic deadLettersTopic() {
        return TopicBuilder.name(Topics.deadLetters(Topics.TASKS)).partitions(1).build();
    }

    @Bean
    ConsumerRecordRecoverer taskDeadLetters(ProducerFactory<Object, Object> producers) {
        KafkaTemplate<Object, Object> bytes = new KafkaTemplate<>(producers,
                Map.of(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(bytes,
                (record, e) -> new TopicPartition(Topics.deadLetters(record.topic()), -1));
        recoverer.setHeadersFunction((record, e) -> RecordRefusals.reasonHeaders(e));
        return recoverer;
    }

    /**
     * The listener hands records on and does not throw; should it ever, the record is logged and left
     * uncommitted (committing it could pass records whose runs go on).
     */
    @Bean
    DefaultErrorHandler errorHandler() {
        DefaultErrorHandler handler = new DefaultErrorHandler(new FixedBackOff(0, 0));
        handler.setAckAfterHandle(false);
        return handler;
    }
}
