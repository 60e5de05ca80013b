package dev.nightshift.report.sink;

import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.Topics;
import dev.nightshift.signing.SerdeRehearsal;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

/**
 * Each sink consumer's deserializer (signature check, then Avro, behind the error handler that parks what it
 * cannot read) has read an example run event and task request before its consumer starts: the first event
 * after start-up does not wait for a schema look-up in the registry. The sinks' containers are the only consumers
 * of report's consumer factory (the write log and the dead-letter replay make their own).
 */
@Configuration
class SinkDeserializers {

    @Bean
    @SuppressWarnings("unchecked")
    DefaultKafkaConsumerFactoryCustomizer warmSinkDeserializers(KafkaProperties kafka) {
        Map<String, Object> producer = kafka.buildProducerProperties();
        return any -> {
            DefaultKafkaConsumerFactory<Object, Object> factory = (DefaultKafkaConsumerFactory<Object, Object>) any;
            Map<String, Object> config = new HashMap<>(factory.getConfigurationProperties());
            factory.setValueDeserializerSupplier(() -> new ErrorHandlingDeserializer<>(SerdeRehearsal.warmDeserializer(config, producer,
                    Map.of(Topics.RUNS, ExampleRecords.run(), Topics.TASKS, ExampleRecords.task()))));
            factory.setConfigureDeserializers(false);
        };
    }
}
