package dev.nightshift.report.writes;

import java.time.Duration;
import java.util.Map;

import dev.nightshift.events.Topics;
import dev.nightshift.events.ExampleRecords;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SerdeRehearsal;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.kafka.core.KafkaTemplate;

/** What the write log needs before report is ready: the schemas, its producer, and the topic read to its end. */
@Configuration
class WritesWarmUp {

    @Bean
    @Order(10)
    WarmUpPhase schemas(KafkaProperties kafka) {
        // the write log's own records, and the run events and task requests the sinks read
        return WarmUpPhase.of("write, run and task schemas", () -> SerdeRehearsal.roundTrip(kafka.buildProducerProperties(),
                kafka.buildConsumerProperties(), Map.of(Topics.WRITES, ExampleRecords.write(), Topics.RUNS, ExampleRecords.run(),
                        Topics.TASKS, ExampleRecords.task())));
    }

    @Bean
    @Order(20)
    WarmUpPhase writeProducer(KafkaTemplate<Object, Object> template) {
        return WarmUpPhase.of("write log producer", () -> template.execute(producer -> producer.partitionsFor(Topics.WRITES)));
    }

    @Bean
    @Order(30)
    WarmUpPhase writeLogRead(WriteLog writes) {
        return WarmUpPhase.of("write log read", () -> writes.awaitCaughtUp(Duration.ofSeconds(60)));
    }
}
