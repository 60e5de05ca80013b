package dev.nightshift.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import dev.nightshift.events.TrustedEvents;
import dev.nightshift.ingest.IngestApplication;
import dev.nightshift.ingest.github.GitHubSignature;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.standalone.GitHubWebhooks;
import dev.nightshift.standalone.SharedInfrastructure;
import dev.nightshift.standalone.TestSigningKey;
import dev.nightshift.standalone.TodoistWebhooks;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Ingest's webhook throughput and latency, against a minimal pipeline doing the same verify, parse and
 * produce with no Spring ({@link MinimalPipeline}), measured in the same run on the same broker and
 * registry, the load generator in the same JVM. Per source (Todoist, GitHub) and path (published: every
 * delivery a new task; ignored: a project or repository no worker names): the saturating rate (closed
 * loop, 64 requests in flight) and p50/p99 to the 2xx at half that rate (open loop, latency from each
 * request's due time). Run from the standalone module's directory: ./nightshift bench ingest.
 */
public final class IngestBench {

    static final String SECRET = "bench-todoist-secret";
    static final String GITHUB_SECRET = "bench-github-secret";
    static final String PROJECT = "6Jf8VQXxBENCH";
    static final String REPOSITORY = "acme/bench";
    /** One worker per source; the minimal pipeline routes to the same. */
    static final String CATALOGUE = """
            workers:
              - name: writer
                trigger: {todoist: {project: %s}}
                goal: "{{title}}"
                agent: {adapter: claude}
                budget: {wall-time: 1m}
                outputs: [{todoist: {}}]
              - name: fixer
                trigger: {github: {repository: %s, label: agent}}
                goal: "Fix {{url}}: {{title}}"
                agent: {adapter: claude}
                budget: {wall-time: 1m}
                outputs: [{github: {}}]
            """.formatted(PROJECT, REPOSITORY);
    private static final int IN_FLIGHT = 64;
    private static final Duration WARM_UP = Duration.ofSeconds(8);
    private static final Duration MEASURE = Duration.ofSeconds(15);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final StringBuilder report = new StringBuilder();

    /** One kind of delivery: where it goes and how the i-th one looks, signed. */
    record Scenario(String name, String path, IntFunction<HttpRequest.Builder> request, int bytes) {
    }

    record Result(double perSecond, double p50, double p99, int errors) {
    }

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "../bench/results");
        TrustedEvents.trust();
        SharedInfrastructure infra = SharedInfrastructure.get();
        Path catalogue = Files.createTempFile("nightshift-bench-workers", ".yml");
        Files.writeString(catalogue, CATALOGUE);
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        settings.put("nightshift.registry-url", infra.registryUrl());
        settings.put("nightshift.ingest.workers-file", catalogue);
        settings.put("nightshift.ingest.todoist.client-secret", SECRET);
        settings.put("nightshift.ingest.github.webhook-secret", GITHUB_SECRET);
        // the load is one worker and one author: the runs-per-hour caps are not what is measured
        settings.put("nightshift.ingest.limits.runs-per-hour", 1_000_000);
        settings.put("nightshift.ingest.limits.runs-per-author-per-hour", 1_000_000);
        settings.put("logging.level.dev.nightshift", "WARN");
        settings.put("nightshift.signing.key", TestSigningKey.KEY);
        List<String> arguments = new ArrayList<>();
        settings.forEach((k, v) -> arguments.add("--" + k + "=" + v));
        arguments.add("--server.port=0");
        IngestBench bench = new IngestBench();
        try (ConfigurableApplicationContext ingest = IngestApplication.builder().registerShutdownHook(false)
                .run(arguments.toArray(String[]::new));
                MinimalPipeline minimal = MinimalPipeline.start(infra.bootstrapServers(), infra.registryUrl())) {
            String nightshift = "http://127.0.0.1:" + ingest.getEnvironment().getRequiredProperty("local.server.port");
            String bare = "http://127.0.0.1:" + minimal.port();
            // ./nightshift bench ingest [name]: only the scenarios whose name contains it (to profile one path)
            bench.run(nightshift, bare, args.length > 2 ? args[2] : "");
        }
        if (args.length > 2) {
            System.out.println(bench.report); // a partial run is for looking, not for the record
            System.exit(0);
        }
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-ingest.md");
        Files.writeString(file, bench.report);
        System.out.println(bench.report);
        System.out.println("written to " + file.toAbsolutePath().normalize());
        System.exit(0);
    }

    private void run(String nightshift, String bare, String only) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        List<Scenario> scenarios = List.of(
                todoist("Todoist, published", run + "p", PROJECT),
                todoist("Todoist, ignored", run + "i", "6Jf8VQXxNOBODY"),
                github("GitHub, published", run, REPOSITORY),
                github("GitHub, ignored", run, "acme/elsewhere")).stream().filter(s -> s.name().contains(only)).toList();
        report.append(BenchEnvironment.header("Ingest benchmark"))
                .append("- setup: the embedded KRaft broker, the registry, ingest (Spring Boot, in the load generator's JVM) and the\n")
                .append("  minimal pipeline (JDK HttpServer on virtual threads, the same HMAC, Jackson parse, Avro TaskEvent, the same\n")
                .append("  producer settings: acks=all, idempotent, linger 0) share this machine; each measure runs ")
                .append(MEASURE.toSeconds()).append(" s after a ").append(WARM_UP.toSeconds())
                .append(" s warm-up (and every path of both was run for as long before the first measure)\n")
                .append("- saturation: a closed loop of ").append(IN_FLIGHT).append(" requests in flight; latency: an open loop at half the saturating rate,\n")
                .append("  each request timed from when it was due\n\n")
                .append("| delivery | body | target | saturating rate | p50 / p99 at saturation | rate offered | p50 / p99 at half | errors |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        // every path of both targets once before any is measured: the JIT, the broker's and the registry's caches
        for (Scenario s : scenarios) {
            closedLoop(nightshift, s, WARM_UP);
            closedLoop(bare, s, WARM_UP);
        }
        Map<String, double[]> ratios = new LinkedHashMap<>();
        for (Scenario s : scenarios) {
            Result[] pair = new Result[4];
            int i = 0;
            for (String base : List.of(nightshift, bare)) {
                String target = base.equals(nightshift) ? "Nightshift" : "minimal";
                closedLoop(base, s, WARM_UP);
                Result saturated = closedLoop(base, s, MEASURE);
                Result half = openLoop(base, s, saturated.perSecond() / 2, MEASURE);
                pair[i++] = saturated;
                pair[i++] = half;
                report.append(String.format("| %s | %,d B | %s | %,.0f/s | %.1f / %.1f ms | %,.0f/s | %.1f / %.1f ms | %d |%n",
                        s.name(), s.bytes(), target, saturated.perSecond(), saturated.p50(), saturated.p99(),
                        saturated.perSecond() / 2, half.p50(), half.p99(), saturated.errors() + half.errors()));
                System.out.println(report);
            }
            ratios.put(s.name(), new double[] {pair[0].perSecond(), pair[2].perSecond(), pair[1].p99()});
        }
        report.append("\n## Against the targets\n\n");
        ratios.forEach((name, r) -> report.append(String.format(
                "- %s: %,.0f/s, %.0f %% of the minimal pipeline's %,.0f/s (target 80 %%: %s); p99 at half rate %.1f ms (target under 25 ms: %s)%n",
                name, r[0], 100 * r[0] / r[1], r[1], r[0] >= 0.8 * r[1] ? "met" : "MISSED", r[2], r[2] < 25 ? "met" : "MISSED")));
        if (!ratios.containsKey("Todoist, published")) {
            return;
        }
        double todoist = ratios.get("Todoist, published")[0];
        report.append(String.format("- Todoist, published: %,.0f/s against the target of 12,000/s: %s%n", todoist, todoist >= 12_000 ? "met" : "MISSED"));
    }

    /** A task as people write them: a title and a paragraph, which brings Todoist's delivery to about 1.3 KB. */
    private static String todoistBody(String id, String project) {
        return TodoistWebhooks.itemAdded(id, project, "Draft a post about Kafka transactions").replace("\"description\":\"\"",
                "\"description\":\"" + ("Explain what exactly-once means for a consumer that writes elsewhere, with the read-process-write "
                + "loop, the transactional id, fencing of zombies, and why isolation.level=read_committed matters to whoever reads "
                + "the output. Keep it under 800 words, one diagram, and link the KIP. ").repeat(2) + "\"");
    }

    private static Scenario todoist(String name, String run, String project) {
        String sample = todoistBody("T" + run + "000000000", project);
        return new Scenario(name, "/webhooks/todoist", i -> {
            String id = "T" + run + String.format("%09d", i);
            String body = todoistBody(id, project);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            return HttpRequest.newBuilder().header("Content-Type", "application/json")
                    .header("X-Todoist-Hmac-SHA256", TodoistSignature.sign(bytes, SECRET))
                    .header("X-Todoist-Delivery-ID", UUID.randomUUID().toString())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        }, sample.getBytes(StandardCharsets.UTF_8).length);
    }

    private static Scenario github(String name, String run, String repository) {
        String sample = GitHubWebhooks.labeled(repository, 1, "Login fails on Safari", "agent");
        int offset = Math.abs((run + name).hashCode() % 1_000_000) * 1000;
        return new Scenario(name, "/webhooks/github", i -> {
            String body = GitHubWebhooks.labeled(repository, offset + i + 1, "Login fails on Safari", "agent");
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            return HttpRequest.newBuilder().header("Content-Type", "application/json")
                    .header("X-GitHub-Event", "issues")
                    .header("X-GitHub-Delivery", UUID.randomUUID().toString())
                    .header("X-Hub-Signature-256", GitHubSignature.sign(bytes, GITHUB_SECRET))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        }, sample.getBytes(StandardCharsets.UTF_8).length);
    }

    private final AtomicInteger sequence = new AtomicInteger();

    /** {@link #IN_FLIGHT} senders, each sending its next request when the last was answered. */
    private Result closedLoop(String base, Scenario s, Duration length) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        AtomicBoolean going = new AtomicBoolean(true);
        long start = System.nanoTime();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < IN_FLIGHT; t++) {
                senders.submit(() -> {
                    while (going.get()) {
                        long sent = System.nanoTime();
                        send(base, s, errors);
                        latencies.add((System.nanoTime() - sent) / 1e6);
                    }
                    return null;
                });
            }
            Thread.sleep(length.toMillis());
            going.set(false);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return result(latencies, latencies.size() / seconds, errors.get());
    }

    /** Requests due at a fixed rate, each on its own virtual thread: a slow answer does not delay the next. */
    private Result openLoop(String base, Scenario s, double perSecond, Duration length) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        long interval = (long) (1e9 / perSecond);
        long count = (long) (length.toNanos() / interval);
        long start = System.nanoTime();
        AtomicLong sent = new AtomicLong();
        // at most this many connections open: a stall is still timed from each request's due time
        Semaphore open = new Semaphore(512);
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < count; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                open.acquire();
                senders.submit(() -> {
                    try {
                        send(base, s, errors);
                        latencies.add((System.nanoTime() - due) / 1e6);
                        sent.incrementAndGet();
                    } finally {
                        open.release();
                    }
                    return null;
                });
            }
        }
        return result(latencies, sent.get() / ((System.nanoTime() - start) / 1e9), errors.get());
    }

    private void send(String base, Scenario s, AtomicInteger errors) {
        try {
            HttpResponse<Void> r = http.send(s.request().apply(sequence.incrementAndGet()).uri(URI.create(base + s.path())).build(),
                    HttpResponse.BodyHandlers.discarding());
            if (r.statusCode() != 200) {
                errors.incrementAndGet();
            }
        } catch (Exception e) {
            errors.incrementAndGet();
        }
    }

    private static Result result(List<Double> latencies, double perSecond, int errors) {
        List<Double> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Result(perSecond, percentile(sorted, 50), percentile(sorted, 99), errors);
    }

    private static double percentile(List<Double> sorted, int p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }
}
