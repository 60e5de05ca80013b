package dev.nightshift.dispatch.intake;

import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SerdeRehearsal;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** The task listener's decoder reads an example task before dispatch is ready (the schema look-up, the signature check). */
@Configuration
class IntakeWarmUp {

    @Bean
    @Order(15)
    WarmUpPhase taskDecoder(TaskListener listener, KafkaProperties kafka) {
        return WarmUpPhase.of("task decoder", () -> listener.rehearse(
                SerdeRehearsal.write(kafka.buildProducerProperties(), Topics.TASKS, ExampleRecords.task())));
    }
}
