package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.publish.Publisher;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.SpendEntry;
import dev.nightshift.events.TaskLedgerEntry;
import dev.nightshift.events.Topics;
import dev.nightshift.observability.warmup.WarmUpPhase;
import dev.nightshift.signing.SignedSerializer;
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
        return WarmUpPhase.of("run, ledger and spend schemas", () -> SignedSerializer.lookUpAll(kafka.buildProducerProperties(),
                Map.of(Topics.RUNS, new RunEvent(), Topics.LEDGER, new TaskLedgerEntry(), Topics.SPEND, new SpendEntry())));
    }

    @Bean
    @Order(20)
    WarmUpPhase transactionalProducer(Publisher publisher) {
        return WarmUpPhase.of("transactional producer", () -> publisher.warmUp(WRITTEN));
    }

    @Bean
    @Order(30)
    WarmUpPhase taskPartitions(Dispatcher dispatcher) {
        return WarmUpPhase.of("task partitions and their ledger", () -> {
            if (!dispatcher.awaitAssignedAndRead(Duration.ofSeconds(30))) {
                log.info("no task partitions assigned within 30 s (more dispatchers than partitions?): ready without");
            }
        });
    }
}
