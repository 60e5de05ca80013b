package dev.nightshift.dispatch.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.intake.IntakeValve;
import dev.nightshift.dispatch.ledger.LedgerReader;
import dev.nightshift.dispatch.publish.Publisher;
import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.dispatch.spend.SpendLedger;
import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.Topics;
import dev.nightshift.signing.SerdeRehearsal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import dev.nightshift.observability.KafkaTraces;
import org.springframework.kafka.core.KafkaTemplate;

/** The dispatcher and the parts it writes and reads the ledger with, named after this instance. */
@Configuration
class EngineConfiguration {

    @Bean
    DispatchInstance dispatchInstance(DispatchProperties properties) {
        if (properties.instanceId() != null && !properties.instanceId().isBlank()) {
            return new DispatchInstance(properties.instanceId());
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "dispatch";
        }
        return new DispatchInstance(host + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Bean
    Publisher publisher(KafkaProperties kafka, DispatchProperties properties, DispatchInstance dispatchInstance) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0); // a lease is waited for: never hold it back to fill a batch
        // each producer's serializer has written an example of what it writes: no schema look-up on a lease's path
        DefaultKafkaProducerFactory<String, Object> producers = new DefaultKafkaProducerFactory<>(config, StringSerializer::new,
                () -> SerdeRehearsal.warmSerializer(config, Map.of(Topics.RUNS, ExampleRecords.run(), Topics.LEDGER, ExampleRecords.ledgerEntry(),
                        Topics.SPEND, ExampleRecords.spendEntry())), false);
        producers.setTransactionIdPrefix("nightshift-dispatch-" + dispatchInstance.id() + "-");
        return new Publisher(new KafkaTemplate<>(producers), properties.killGrace().plusSeconds(30));
    }

    @Bean
    LedgerReader ledgerReader(KafkaProperties kafka) {
        return new LedgerReader(kafka.buildConsumerProperties());
    }

    @Bean
    Dispatcher dispatcher(DispatchProperties properties, AttemptRunner runner, RunSupervisor supervisor, Publisher publisher,
            LedgerReader reader, IntakeValve valve, DispatchMetrics metrics, SpendLedger spend, DispatchInstance dispatchInstance,
            KafkaTraces traces) {
        return new Dispatcher(properties, runner, supervisor, publisher, reader, valve, metrics, spend, dispatchInstance.id(), traces);
    }

    @Bean
    SpendLedger spendLedger(DispatchProperties properties, KafkaAdmin admin, KafkaProperties kafka, DispatchInstance dispatchInstance,
            MeterRegistry meters) {
        SpendLedger spend = new SpendLedger(properties.spend().dailyCeilingUsd(), properties.spend().zone(), Clock.systemUTC(),
                dispatchInstance.id(), admin, kafka.buildConsumerProperties());
        Gauge.builder("nightshift.dispatch.spend.today.usd", spend, SpendLedger::spentToday)
                .description("Spent or reserved today (spend zone) by all dispatchers, as this one has read it")
                .register(meters);
        Gauge.builder("nightshift.dispatch.spend.ceiling.usd", spend, SpendLedger::ceilingUsd)
                .description("The daily spend ceiling")
                .register(meters);
        return spend;
    }
}
