package dev.nightshift.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.testkit.DispatchProcess;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.signing.SignedSerializer;
import dev.nightshift.testkit.StandInAgent;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Dispatch's speed and memory, measured on a real broker and registry with dispatchers as separate JVMs and
 * the stand-in agent (the same script the tests use) in the real sandbox:
 * (a) task event on Kafka to agent process started, at 10 tasks/s;
 * (b) runs completed per minute with a 5 s agent, 20 in flight per instance, for 1, 2 and 3 instances on 6 partitions;
 * (c) heap of an idle dispatcher, and per run in flight;
 * (d) one dispatcher with 100 runs in flight: task event to agent start while they pile up, and its heap;
 * (e) one dispatcher (-Xmx2g) assigned all six partitions: time until their ledger is read, and its heap, before
 * 1M ended ledger entries are written, with them, and after the ledger's retention deleted them.
 * Run from the bench module's directory (testkit finds the registry and the stand-in): ./nightshift bench.
 */
public final class DispatchBench {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    /** Partition.caughtUp's line, once per task partition whose ledger partition has been read to its end. */
    private static final Pattern LEDGER_READ = Pattern.compile("task partition (\\d+): ledger read,");
    private static final int TASK_PARTITIONS = 6;
    private static final String RETENTION = "nightshift.dispatch.ledger-retention";

    private final Path dir;
    private final Path agent;
    private final KafkaProducer<String, Object> producer;
    private final Properties producerProperties;
    private final StringBuilder report = new StringBuilder();
    private int instances;

    private DispatchBench(Path dir, Path agent, KafkaProducer<String, Object> producer, Properties producerProperties) {
        this.dir = dir;
        this.agent = agent;
        this.producer = producer;
        this.producerProperties = producerProperties;
    }

    /** A producer's settings that write as the services do: Avro through the registry, signed with the tests' key. */
    private static Properties signedProducer(SharedInfrastructure infra) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // signed as ingest signs: dispatch refuses task records no Nightshift service signed
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, SignedSerializer.class.getName());
        p.putAll(TestSigningKey.producerProperties(TestSigningKey.KEY));
        p.put("apicurio.registry.url", infra.registryUrl());
        p.put("apicurio.registry.auto-register", "true");
        p.put("apicurio.registry.dereference-schema", "true");
        return p;
    }

    /**
     * @param args the results directory, then which parts to run (latency, throughput, heap, hundred, assignment; default
     *             all, in that order whatever order they are given in)
     */
    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "../bench/results");
        List<String> parts = args.length > 1 ? List.of(args).subList(1, args.length)
                : List.of("latency", "throughput", "heap", "hundred", "assignment");
        TrustedEvents.trust();
        SharedInfrastructure infra = SharedInfrastructure.get();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.TASKS, TASK_PARTITIONS, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        StandInAgent standIn = StandInAgent.install("nightshift-bench-");
        Properties p = signedProducer(infra);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
            DispatchBench bench = new DispatchBench(standIn.dir(), standIn.agent(), producer, p);
            bench.header();
            if (parts.contains("latency")) {
                bench.latency();
            }
            if (parts.contains("throughput")) {
                bench.throughput();
            }
            if (parts.contains("heap")) {
                bench.heap();
            }
            if (parts.contains("hundred")) {
                bench.hundred();
            }
            if (parts.contains("assignment")) {
                bench.assignment();
            }
            Files.createDirectories(results);
            Path file = results.resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-dispatch.md");
            Files.writeString(file, bench.report);
            System.out.println(bench.report);
            System.out.println("written to " + file.toAbsolutePath().normalize());
        }
        System.exit(0);
    }

    private void header() throws Exception {
        report.append(BenchEnvironment.header("Dispatch benchmark"))
                .append("- setup: the embedded KRaft broker, the registry, and the dispatchers (separate JVMs as deployed: -Xmx256m, the JIT and collector the JVM picks) share this machine;\n")
                .append("  the agent is the tests' stand-in (bash printing Claude Code's stream-json) in bubblewrap, as uid 65534\n\n");
    }

    /** (a) 10 tasks/s for 30 s; each agent notes when it started; from the event's acknowledgement to that. */
    private void latency() throws Exception {
        try (DispatchProcess d = dispatcher(Map.of("nightshift.dispatch.max-runs-in-flight", 20))) {
            d.awaitAssigned();
            // warm-up, reported apart: the first task pays for the first transaction and the schema look-ups
            String warm = "warm" + UUID.randomUUID().toString().substring(0, 6);
            long sent = System.nanoTime();
            producer.send(record(warm + "-0", "bench " + warm + "-0 scenario:sleep:0")).get();
            awaitStarts(d, warm, 1, Duration.ofSeconds(60));
            double cold = (System.nanoTime() - sent) / 1e6;
            for (int i = 1; i <= 20; i++) {
                producer.send(record(warm + "-" + i, "bench " + warm + "-" + i + " scenario:sleep:0")).get();
                Thread.sleep(100);
            }
            awaitStarts(d, warm, 21, Duration.ofSeconds(60));
            Thread.sleep(2000);
            int count = 300;
            List<Double> millis = pacedStarts(d, "lat", count, 0, 10, Duration.ofSeconds(120));
            report.append("## (a) task event on Kafka to agent process started, 10 tasks/s, ").append(count).append(" tasks\n\n")
                    .append(String.format("- after a warm-up of 21 tasks: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target: p99 under 50 ms: %s)%n",
                            percentile(millis, 50), percentile(millis, 99), millis.getLast(), percentile(millis, 99) < 50 ? "met" : "MISSED"))
                    .append(String.format("- the first task after the dispatcher joined (cold): %.0f ms, send to agent start%n", cold))
                    .append("- of which arrival to lease on Kafka (the dispatcher's own nightshift_dispatch_queued_seconds, all ")
                    .append(count + 21).append(" tasks): ").append(queuedPercentiles(d)).append("\n\n");
        }
    }

    /** (b) a backlog of 5 s runs, 20 in flight per instance; runs completed per minute against one instance times n. */
    private void throughput() throws Exception {
        report.append("## (b) runs completed per minute, 5 s agent, 20 in flight per instance, 6 partitions\n\n")
                .append("A backlog of 60 s of work per instance (240 runs each), random task keys. Sustained: runs finished between\n")
                .append("10 s and 40 s after the backlog was sent (every instance busy throughout). Whole backlog: all runs over the\n")
                .append("time from sending to the last finish (includes ramp-up and the tail of the most loaded partition).\n\n")
                .append("| instances | sustained runs/min | of linear | whole backlog runs/min | of linear | runs per instance |\n")
                .append("|---|---|---|---|---|---|\n");
        double single = 0;
        double singleWhole = 0;
        for (int n = 1; n <= 3; n++) {
            List<DispatchProcess> fleet = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    fleet.add(dispatcher(Map.of("nightshift.dispatch.max-runs-in-flight", 20)));
                }
                for (DispatchProcess d : fleet) {
                    d.awaitAssigned();
                }
                Thread.sleep(5000); // the group settles: every instance owns its share of the partitions
                String batch = "tp" + n + UUID.randomUUID().toString().substring(0, 6);
                int count = 240 * n; // twelve waves of 20 per instance: 60 s of work
                Instant first = Instant.now();
                for (int i = 0; i < count; i++) {
                    producer.send(record(batch + "-" + i, "bench " + batch + "-" + i + " scenario:sleep:5"));
                }
                producer.flush();
                List<Instant> finishes = awaitFinished(batch, count, Duration.ofMinutes(5));
                Instant from = first.plusSeconds(10);
                Instant to = first.plusSeconds(40);
                double sustained = finishes.stream().filter(t -> !t.isBefore(from) && t.isBefore(to)).count() * 2.0;
                double whole = count / (Duration.between(first, finishes.getLast()).toMillis() / 60_000.0);
                if (n == 1) {
                    single = sustained;
                    singleWhole = whole;
                }
                List<String> perInstance = new ArrayList<>();
                for (DispatchProcess d : fleet) {
                    perInstance.add(String.valueOf(d.agentsStarted().stream().filter(a -> a.contains(" " + batch + "-")).count()));
                }
                report.append(String.format("| %d | %.0f | %.0f %% | %.0f | %.0f %% | %s |%n", n, sustained, 100 * sustained / (n * single),
                        whole, 100 * whole / (n * singleWhole), String.join(" / ", perInstance)));
            } finally {
                for (DispatchProcess d : fleet) {
                    d.close();
                }
            }
        }
        report.append("\nTarget: at least 90 % of linear.\n\n");
    }

    /** (c) heap after a full GC: idle, then with 20 runs in flight. */
    private void heap() throws Exception {
        try (DispatchProcess d = dispatcher(Map.of("nightshift.dispatch.max-runs-in-flight", 20))) {
            d.awaitAssigned();
            Thread.sleep(10_000);
            long idle = heapUsedKb(d.pid());
            String batch = "heap" + UUID.randomUUID().toString().substring(0, 6);
            for (int i = 0; i < 20; i++) {
                producer.send(record(batch + "-" + i, "bench " + batch + "-" + i + " scenario:sleep:60"));
            }
            producer.flush();
            awaitStarts(d, batch, 20, Duration.ofSeconds(60));
            Thread.sleep(2000);
            long busy = heapUsedKb(d.pid());
            double perRun = (busy - idle) / 20.0;
            report.append("## (c) heap after a full GC (jcmd GC.run, GC.heap_info)\n\n")
                    .append(String.format("- idle dispatcher: %.1f MB (target: under 256 MB: %s)%n", idle / 1024.0, idle < 256 * 1024 ? "met" : "MISSED"))
                    .append(String.format("- with 20 runs in flight: %.1f MB, so %.0f KB per run (target: under 1 MB: %s)%n%n",
                            busy / 1024.0, perRun, perRun < 1024 ? "met" : "MISSED"));
        }
    }

    /**
     * (d) max-runs-in-flight 100: 100 tasks, each agent working long enough that all 100 are in flight at the end,
     * so the last ones start with 90 or more already running; from each event's acknowledgement to its agent's
     * start, then the heap with all 100 in flight. Twice: at 10 tasks/s, which on a slow machine measures how fast
     * it starts runs as much as what 100 in flight cost, and at 2 tasks/s, which it keeps up with.
     */
    private void hundred() throws Exception {
        report.append("## (d) 100 runs in flight on one dispatcher (-Xmx256m)\n\n");
        for (int perSecond : List.of(10, 2)) {
            int agentSeconds = 100 / perSecond + 20;
            try (DispatchProcess d = dispatcher(Map.of("nightshift.dispatch.max-runs-in-flight", 100))) {
                d.awaitAssigned();
                String warm = "warmh" + UUID.randomUUID().toString().substring(0, 6);
                producer.send(record(warm + "-0", "bench " + warm + "-0 scenario:sleep:0")).get();
                awaitStarts(d, warm, 1, Duration.ofSeconds(60));
                Thread.sleep(2000);
                List<Double> millis;
                try {
                    millis = pacedStarts(d, "hund", 100, agentSeconds, perSecond, Duration.ofSeconds(60));
                } catch (IllegalStateException e) {
                    // written down, and the parts after it still run
                    report.append("- at ").append(perSecond).append(" tasks/s: failed: ").append(e.getMessage())
                            .append(" (dispatcher ").append(d.name).append("'s log is under ").append(dir).append(")\n");
                    continue;
                }
                Thread.sleep(2000);
                long heap = heapUsedKb(d.pid());
                report.append(String.format("- at %d tasks/s (agents working %d s), task event on Kafka to agent start: p50 %.1f ms, p99 %.1f ms,"
                                + " max %.1f ms (target: p99 under 100 ms: %s); heap after a full GC with the 100 in flight: %.1f MB"
                                + " (target: under 256 MB: %s)%n",
                        perSecond, agentSeconds, percentile(millis, 50), percentile(millis, 99), millis.getLast(),
                        percentile(millis, 99) < 100 ? "met" : "MISSED", heap / 1024.0, heap < 256 * 1024 ? "met" : "MISSED"))
                        .append("  - of which arrival to lease on Kafka (nightshift_dispatch_queued_seconds, all 101 tasks): ")
                        .append(queuedPercentiles(d)).append('\n');
            }
        }
        report.append('\n');
    }

    /** One dispatcher's assignment of every partition in part (e). */
    private record Assignment(long offsets, Duration toRead, long heapKb) {
    }

    /**
     * (e) issue 21's check: assignment of partitions with 1M historic ledger entries, time and heap before and after
     * retention. One dispatcher at a time, -Xmx2g, so it is assigned all six partitions: from its JVM's start until
     * it has logged every partition's ledger read, then its heap after a full GC. (a) the ledger as the parts before
     * left it; (b) with 1M SUCCEEDED versions on it; (c) once a dispatcher set ledger-retention to 1 minute and the
     * broker deleted them.
     */
    private void assignment() throws Exception {
        int entries = 1_000_000;
        report.append("## (e) assignment with 1M ended versions on the ledger, one dispatcher (-Xmx2g) assigned all ")
                .append(TASK_PARTITIONS).append(" partitions\n\n");
        try (LedgerHistory ledger = new LedgerHistory(producerProperties, TASK_PARTITIONS)) {
            List<String> rows = new ArrayList<>();
            Assignment before = assigned("(a) before the history", Map.of(), ledger, rows);
            LedgerHistory.Written written = ledger.writeEnded(entries);
            Assignment with = assigned("(b) with " + entries + " ended versions", Map.of(), ledger, rows);
            // a dispatcher with a retention of 1 minute sets the topic's retention.ms (and segment.ms, a tenth of it)
            long set = 0;
            try (DispatchProcess shortened = dispatcher(Map.of(RETENTION, "1m"), "2g")) {
                ledger.awaitRetention(Duration.ofMinutes(1), Duration.ofMinutes(3));
                set = System.nanoTime();
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
                rows.add("| (c) after retention | not measured: " + e.getMessage() + " | | |");
            }
            boolean deleted = set != 0 && ledger.awaitDeleted(written.ends(), Duration.ofMinutes(10));
            Duration toDelete = Duration.ofNanos(System.nanoTime() - set);
            Assignment after = null;
            if (deleted) {
                after = assigned("(c) after retention (1 min) deleted them", Map.of(RETENTION, "1m"), ledger, rows);
            } else if (set != 0) {
                rows.add("| (c) after retention | not measured: the broker had not deleted the history 10 min after the retention was"
                        + " set (earliest offsets " + ledger.offsets(OffsetSpec.earliest())
                        + ", history ended at " + written.ends() + ") | | |");
            }
            report.append("| ledger | offsets on the ledger at start | JVM start to all ").append(TASK_PARTITIONS)
                    .append(" partitions' ledger read | heap after a full GC |\n|---|---|---|---|\n");
            rows.forEach(r -> report.append(r).append('\n'));
            report.append(String.format("%n- the history: %,d SUCCEEDED versions, one per task, written in %.1f s (%.0f/s; batched, lz4, acks=all)%n",
                    written.entries(), written.took().toMillis() / 1000.0, written.entries() / (written.took().toMillis() / 1000.0)));
            if (before != null && with != null) {
                report.append(String.format("- reading it cost %.1f s more and %.1f MB more heap than the baseline (%.0f bytes a version)%n",
                        (with.toRead().toMillis() - before.toRead().toMillis()) / 1000.0, (with.heapKb() - before.heapKb()) / 1024.0,
                        (with.heapKb() - before.heapKb()) * 1024.0 / entries));
            }
            if (deleted) {
                report.append(String.format("- the broker deleted the history %.0f s after the retention was set (its log cleaner"
                        + " deletes a compact,delete topic's expired segments, every 15 s when it has nothing to compact)%n",
                        toDelete.toMillis() / 1000.0));
            }
            if (before != null && after != null) {
                boolean back = after.heapKb() <= before.heapKb() * 1.1 && after.toRead().toMillis() <= before.toRead().toMillis() * 1.2;
                report.append(String.format("- target (the check gives no figure; this bench's reading): after retention, back to the baseline,"
                        + " heap within 10 %% and time within 20 %% of (a): %s%n", back ? "met" : "MISSED"));
            }
            report.append("- honest notes: the time includes the JVM's and Spring's start (the baseline is about that cost alone), on a"
                    + " machine the broker and registry share; offsets are"
                    + " an upper bound of the entries (a version's earlier entries not yet compacted, transaction markers);"
                    + " (c) has lost any earlier part's entries to the 1-minute retention too, and the ledger is left at it\n\n");
        }
    }

    /** Starts a dispatcher, times it to every partition's ledger read, takes its heap, stops it; adds its row. */
    private Assignment assigned(String label, Map<String, ?> settings, LedgerHistory ledger, List<String> rows) throws Exception {
        long offsets = ledger.offsetsPresent();
        long start = System.nanoTime();
        try (DispatchProcess d = dispatcher(settings, "2g")) {
            try {
                awaitLedgerRead(d, Duration.ofMinutes(10));
            } catch (IllegalStateException e) {
                System.err.println(e.getMessage());
                rows.add(String.format("| %s | %,d | failed: %s | |", label, offsets, e.getMessage().lines().findFirst().orElse("")));
                return null;
            }
            Duration toRead = Duration.ofNanos(System.nanoTime() - start);
            Thread.sleep(10_000); // as part (c) waits before an idle dispatcher's heap: its start's work done
            long heap = heapUsedKb(d.pid());
            rows.add(String.format("| %s | %,d | %.1f s | %.1f MB |", label, offsets, toRead.toMillis() / 1000.0, heap / 1024.0));
            return new Assignment(offsets, toRead, heap);
        }
    }

    /** Waits until the dispatcher has logged every task partition's ledger read. */
    private static void awaitLedgerRead(DispatchProcess d, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Set<Integer> read = new HashSet<>();
            Matcher m = LEDGER_READ.matcher(d.log());
            while (m.find()) {
                read.add(Integer.parseInt(m.group(1)));
            }
            if (read.size() >= TASK_PARTITIONS) {
                return;
            }
            if (!d.alive()) {
                throw new IllegalStateException(d.name + " exited with " + read.size() + " partition(s) read; its log ends:\n" + tail(d.log()));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(d.name + " had read " + read.size() + " partition(s) after " + timeout);
            }
            Thread.sleep(100);
        }
    }

    private static String tail(String log) {
        return log.length() <= 2000 ? log : log.substring(log.length() - 2000);
    }

    /**
     * Sends {@code count} tasks at {@code perSecond}, each agent working {@code seconds}, and waits for their agents; returns, sorted,
     * the milliseconds from each event's acknowledgement to its agent's start (as the agent noted it).
     */
    private List<Double> pacedStarts(DispatchProcess d, String prefix, int count, int seconds, int perSecond, Duration timeout) throws Exception {
        Map<String, Long> acked = new ConcurrentHashMap<>();
        String batch = prefix + UUID.randomUUID().toString().substring(0, 6);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + TimeUnit.MILLISECONDS.toNanos(1000L * i / perSecond);
            while (System.nanoTime() < due) {
                Thread.sleep(1);
            }
            String id = batch + "-" + i;
            producer.send(record(id, "bench " + id + " scenario:sleep:" + seconds)).get();
            acked.put(id, Instant.now().toEpochMilli() * 1_000_000L);
        }
        awaitStarts(d, batch, count, timeout);
        List<Double> millis = new ArrayList<>();
        for (String started : d.agentsStarted()) {
            String[] lines = started.split("\n");
            String id = lines[0].split(" ")[1];
            if (id.startsWith(batch)) {
                millis.add((Long.parseLong(lines[1].strip()) - acked.get(id)) / 1e6);
            }
        }
        millis.sort(Double::compare);
        return millis;
    }

    private DispatchProcess dispatcher(Map<String, ?> settings) throws IOException {
        return dispatcher(settings, "256m");
    }

    /** A dispatcher's JVM as deployed (the JIT and collector the JVM picks), with this -Xmx. */
    private DispatchProcess dispatcher(Map<String, ?> settings, String maxHeap) throws IOException {
        return DispatchProcess.start("bench-" + (++instances), dir, agent, settings, List.of("-Xmx" + maxHeap));
    }

    private ProducerRecord<String, Object> record(String id, String prompt) {
        String key = "api:" + id;
        TaskEvent event = TaskEvent.newBuilder()
                .setTaskKey(key)
                .setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.API).setSourceId(id).setTitle(prompt).build())
                .setBody(TaskRequested.newBuilder().setTaskVersion("1").setPrompt(prompt).setWorker(WorkerSpec.newBuilder()
                        .setName("bench")
                        .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                        .setBudget(Budget.newBuilder().setWallTimeMillis(Duration.ofMinutes(2).toMillis()).setMaxAttempts(1).build())
                        .setOutputs(OutputSinks.of(List.of()))
                        .build()).build())
                .build();
        return new ProducerRecord<>(Topics.TASKS, key, event);
    }

    private static void awaitStarts(DispatchProcess d, String batch, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (d.agentsStarted().stream().filter(s -> s.contains(" " + batch + "-")).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not all " + count + " agents of " + batch + " started in " + timeout);
            }
            Thread.sleep(200);
        }
    }

    /** When each run of the batch finished, as its RunFinished says, in order. */
    private static List<Instant> awaitFinished(String batch, int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<RunEvent> finished = TopicReader.readAll(Topics.RUNS).stream().map(r -> (RunEvent) r.value())
                    .filter(r -> r.getTaskKey().startsWith("api:" + batch + "-") && r.getBody() instanceof RunFinished).toList();
            if (finished.size() >= count) {
                return finished.stream().map(RunEvent::getOccurredAt).sorted().toList();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + finished.size() + " of " + count + " runs of " + batch + " finished in " + timeout);
            }
            Thread.sleep(2000);
        }
    }

    /** p50 and p99 of the dispatcher's time from a record's arrival to its lease being on Kafka, from its Prometheus page. */
    private static String queuedPercentiles(DispatchProcess d) throws Exception {
        Matcher port = Pattern.compile("Tomcat started on port (\\d+)").matcher(d.log());
        if (!port.find()) {
            return "(no port in the log)";
        }
        String page = BenchEnvironment.shell("curl -s http://127.0.0.1:" + port.group(1) + "/actuator/prometheus");
        StringBuilder out = new StringBuilder();
        for (String q : List.of("0.5", "0.99")) {
            Matcher m = Pattern.compile("nightshift_dispatch_queued_seconds\\{quantile=\"" + q + "\"\\} ([0-9.E-]+)").matcher(page);
            out.append(m.find() ? String.format("p%s %.1f ms ", q.equals("0.5") ? "50" : "99", Double.parseDouble(m.group(1)) * 1000) : "");
        }
        return out.toString().strip();
    }

    private static long heapUsedKb(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        BenchEnvironment.shell(jcmd + " " + pid + " GC.run");
        String info = BenchEnvironment.shell(jcmd + " " + pid + " GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(m.group(1));
    }

    private static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
