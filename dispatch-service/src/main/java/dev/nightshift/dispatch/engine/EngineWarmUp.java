package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.publish.Publisher;
import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SerdeRehearsal;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * What dispatch makes ready before it is: the schemas of what it writes, its transactional producer, and its
 * task partitions with their ledger read, so a task's lease and run start go out at once.
 */
@Configuration
class EngineWarmUp {

    private static final Logger log = LoggerFactory.getLogger(EngineWarmUp.class);
    private static final List<String> WRITTEN = List.of(Topics.RUNS, Topics.LEDGER, Topics.SPEND);

    @Bean
    @Order(10)
    WarmUpPhase writtenSchemas(KafkaProperties kafka) {
        return WarmUpPhase.of("run, ledger and spend schemas", () -> SerdeRehearsal.roundTrip(kafka.buildProducerProperties(),
                kafka.buildConsumerProperties(), Map.of(Topics.RUNS, ExampleRecords.run(), Topics.LEDGER, ExampleRecords.ledgerEntry(),
                        Topics.SPEND, ExampleRecords.spendEntry())));
    }

    /** After the task partitions: the ledger topic is made (sized like the task topic) once they are assigned. */
    @Bean
    @Order(30)
    WarmUpPhase transactionalProducer(Publisher publisher) {
        // on the spend topic, a reservation of nothing on a day long gone, and aborted: nobody reads it
        return WarmUpPhase.of("transactional producer", () -> publisher.warmUp(WRITTEN,
                new ProducerRecord<>(Topics.SPEND, "warm-up", ExampleRecords.spendEntry())));
    }

    @Bean
    @Order(20)
    WarmUpPhase taskPartitions(Dispatcher dispatcher) {
        return WarmUpPhase.of("task partitions and their ledger", () -> {
            if (!dispatcher.awaitAssignedAndRead(Duration.ofSeconds(30))) {
                log.info("no task partitions assigned within 30 s (no task topic yet, or more dispatchers than partitions): ready without");
            }
        });
    }
}
