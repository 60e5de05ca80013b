package dev.nightshift.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * (d) one dispatcher with 100 runs in flight: task event to agent start while they pile up, and its heap.
 * Run from the bench module's directory (testkit finds the registry and the stand-in): ./nightshift bench.
 */
public final class DispatchBench {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final Path dir;
    private final Path agent;
    private final KafkaProducer<String, Object> producer;
    private final StringBuilder report = new StringBuilder();
    private int instances;

    private DispatchBench(Path dir, Path agent, KafkaProducer<String, Object> producer) {
        this.dir = dir;
        this.agent = agent;
        this.producer = producer;
    }

    /** @param args the results directory, then which parts to run (latency, throughput, heap, hundred; default all) */
    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "../bench/results");
        List<String> parts = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("latency", "throughput", "heap", "hundred");
        TrustedEvents.trust();
        SharedInfrastructure infra = SharedInfrastructure.get();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, infra.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.TASKS, 6, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        StandInAgent standIn = StandInAgent.install("nightshift-bench-");
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
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(p)) {
            DispatchBench bench = new DispatchBench(standIn.dir(), standIn.agent(), producer);
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
                .append("- setup: the embedded KRaft broker, the registry, and the dispatchers (separate JVMs, -Xmx256m) share this machine;\n")
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
            List<Double> millis = pacedStarts(d, "lat", count, 0, Duration.ofSeconds(120));
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
     * (d) max-runs-in-flight 100: 100 tasks at 10/s, each agent working 60 s, so the last ones start with 90 or more
     * already running; from each event's acknowledgement to its agent's start, then the heap with all 100 in flight.
     */
    private void hundred() throws Exception {
        try (DispatchProcess d = dispatcher(Map.of("nightshift.dispatch.max-runs-in-flight", 100))) {
            d.awaitAssigned();
            String warm = "warmh" + UUID.randomUUID().toString().substring(0, 6);
            producer.send(record(warm + "-0", "bench " + warm + "-0 scenario:sleep:0")).get();
            awaitStarts(d, warm, 1, Duration.ofSeconds(60));
            Thread.sleep(2000);
            int count = 100;
            List<Double> millis = pacedStarts(d, "hund", count, 60, Duration.ofSeconds(60));
            Thread.sleep(2000);
            long heap = heapUsedKb(d.pid());
            report.append("## (d) 100 runs in flight on one dispatcher (-Xmx256m), 60 s agents started at 10 tasks/s\n\n")
                    .append(String.format("- task event on Kafka to agent start: p50 %.1f ms, p99 %.1f ms, max %.1f ms (target: p99 under 100 ms: %s)%n",
                            percentile(millis, 50), percentile(millis, 99), millis.getLast(), percentile(millis, 99) < 100 ? "met" : "MISSED"))
                    .append(String.format("- heap after a full GC with the 100 runs in flight: %.1f MB (target: under 256 MB: %s)%n%n",
                            heap / 1024.0, heap < 256 * 1024 ? "met" : "MISSED"));
        }
    }

    /**
     * Sends {@code count} tasks at 10/s, each agent working {@code seconds}, and waits for their agents; returns, sorted,
     * the milliseconds from each event's acknowledgement to its agent's start (as the agent noted it).
     */
    private List<Double> pacedStarts(DispatchProcess d, String prefix, int count, int seconds, Duration timeout) throws Exception {
        Map<String, Long> acked = new ConcurrentHashMap<>();
        String batch = prefix + UUID.randomUUID().toString().substring(0, 6);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + TimeUnit.MILLISECONDS.toNanos(100L * i);
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
        return DispatchProcess.start("bench-" + (++instances), dir, agent, settings);
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
