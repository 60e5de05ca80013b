package dev.nightshift.ingest.publish;

import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SerdeRehearsal;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/** What ingest makes ready before it is: the task schema and codec, and the producer of task events. */
@Configuration
class PublishWarmUp {

    /**
     * The producer's serializer has written an example task before it is given to the producer: the first
     * webhook does not wait for a schema look-up in the registry. Every producer of ingest's factory writes task
     * events (a template with another value serializer would need a factory of its own).
     */
    @Bean
    @SuppressWarnings("unchecked")
    DefaultKafkaProducerFactoryCustomizer warmTaskSerializer() {
        return any -> {
            DefaultKafkaProducerFactory<Object, Object> factory = (DefaultKafkaProducerFactory<Object, Object>) any;
            Map<String, Object> config = new HashMap<>(factory.getConfigurationProperties());
            factory.setValueSerializerSupplier(() -> SerdeRehearsal.warmSerializer(config, Map.of(Topics.TASKS, ExampleRecords.task())));
            factory.setConfigureSerializers(false);
        };
    }

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
