package dev.nightshift.ingest.publish;

import java.util.Map;

import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SerdeRehearsal;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.kafka.core.KafkaTemplate;

/** What ingest makes ready before it is: the task schema and codec, and the producer of task events. */
@Configuration
class PublishWarmUp {

    @Bean
    @Order(10)
    WarmUpPhase taskSchema(KafkaProperties kafka) {
        return WarmUpPhase.of("task schema", () -> SerdeRehearsal.roundTrip(kafka.buildProducerProperties(), kafka.buildConsumerProperties(),
                Map.of(Topics.TASKS, ExampleRecords.task())));
    }

    /** The idempotent producer opened (its id fetched in the background) and the topic's partitions known. */
    @Bean
    @Order(20)
    WarmUpPhase taskProducer(KafkaTemplate<String, TaskEvent> template) {
        return WarmUpPhase.of("task producer", () -> template.execute(producer -> producer.partitionsFor(Topics.TASKS)));
    }
}
