package dev.nightshift.dispatch.engine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.ledger.LedgerReader;
import dev.nightshift.dispatch.publish.Publisher;
import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.dispatch.spend.SpendLedger;
import dev.nightshift.events.ExampleRecords;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.events.Topics;
import dev.nightshift.signing.SerdeRehearsal;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
            LedgerReader reader, Intake intake, DispatchMetrics metrics, SpendLedger spend, DispatchInstance dispatchInstance,
            KafkaTraces traces) {
        Dispatcher dispatcher = new Dispatcher(EngineSettings.of(properties), new SupervisedRuns(runner, supervisor),
                new PublisherWrites(publisher), new ReaderFeed(reader), intake, metrics, new SharedSpend(spend), dispatchInstance.id(),
                traces, Clock.systemUTC(), new ThreadLoop());
        reader.setListener(dispatcher);
        return dispatcher;
    }

    // The engine's seams over the real parts: it depends on what it needs of them, and tests put in-memory ones in.

    private record SupervisedRuns(AttemptRunner runner, RunSupervisor supervisor) implements Runs {
        @Override
        public Optional<String> refusal(WorkerSpec worker) {
            return runner.refusal(worker);
        }

        @Override
        public double costBudget(WorkerSpec worker) {
            return runner.costBudget(worker);
        }

        @Override
        public RunSupervisor.RunHandle start(RunEvents events, TaskRequested request, CompletableFuture<?> go, Consumer<RunEvent> progress,
                Consumer<AttemptRunner.Attempt> onEnd) {
            return supervisor.start(events, request, go, progress, onEnd);
        }

        @Override
        public int inFlight() {
            return supervisor.inFlight();
        }
    }

    private record PublisherWrites(Publisher publisher) implements Writes {
        @Override
        public CompletableFuture<Void> write(List<ProducerRecord<String, Object>> records) {
            return publisher.write(records);
        }

        @Override
        public void writeSoon(ProducerRecord<String, Object> record) {
            publisher.writeSoon(record);
        }

        @Override
        public CompletableFuture<Void> flush() {
            return publisher.flush();
        }
    }

    private record ReaderFeed(LedgerReader reader) implements LedgerFeed {
        @Override
        public void watch(int partition) {
            reader.watch(partition);
        }

        @Override
        public void unwatch(int partition) {
            reader.unwatch(partition);
        }

        @Override
        public void scout(int partition, long offset) {
            reader.scout(partition, offset);
        }

        @Override
        public void stopScouting(int partition) {
            reader.stopScouting(partition);
        }
    }

    private record SharedSpend(SpendLedger spend) implements SpendCeiling {
        @Override
        public double ceilingUsd() {
            return spend.ceilingUsd();
        }

        @Override
        public String today() {
            return spend.today();
        }

        @Override
        public Instant nextDay() {
            return spend.nextDay();
        }

        @Override
        public double spentToday() {
            return spend.spentToday();
        }

        @Override
        public boolean admits(double budgetUsd) {
            return spend.admits(budgetUsd);
        }

        @Override
        public ProducerRecord<String, Object> reserve(String runId, double budgetUsd) {
            return spend.reserve(runId, budgetUsd);
        }

        @Override
        public ProducerRecord<String, Object> settle(ProducerRecord<String, Object> reservation, double spentUsd) {
            return spend.settle(reservation, spentUsd);
        }
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
