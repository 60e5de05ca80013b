package dev.nightshift.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;

/**
 * Ingest's webhook throughput and latency against a minimal pipeline (embedded Tomcat, the same HMAC, parse and
 * producer, one write per webhook: {@link MinimalPipeline}), and ingest's heap as published deliveries pile up.
 * Ingest (its main class, its own class path, its default settings: logging and tracing as deployed), the minimal
 * pipeline and the load generator ({@link LoadGenerator}) are three JVMs; the broker runs in this one and the
 * registry in its own, all on this machine. Per kind of delivery: the saturating rate (closed loop) and p50/p99 at
 * half that rate (open loop, timed from each request's due time); then a fresh ingest's heap after a full GC at
 * start, after N and after M published deliveries; and what ingest logged: bytes per 1k webhooks, dropped-span
 * warnings. Run from the bench module's directory: {@code ./nightshift bench ingest [name=value ...]}.
 * Settings (defaults make the record; any other run is written to bench/target as a reduced run): seconds=15 (each
 * measure), warm-up=8, connections=64, heap-first=100000 and heap-last=1000000 (published deliveries; heap-last=0
 * skips the heap part), only= (the kinds of delivery whose key contains it: todoist, github, published, ignored).
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
    /** Ingest's and the minimal pipeline's JVM: the heap ingest's pod gives it (75 % of its 1 GiB limit). */
    private static final List<String> SERVER_JVM = List.of("-Xmx768m");
    private static final List<String> GENERATOR_JVM = List.of("-Xmx1g");
    private static final Pattern DROPPED = Pattern.compile("BatchSpanProcessor dropped (\\d+) span");
    private static final Map<String, Double> RATIO_TARGETS = Map.of("todoist-published", 0.8, "github-published", 0.8,
            "todoist-ignored", 0.9, "github-ignored", 0.9);
    private static final double P99_TARGET_MS = 25;

    /** What the bench was told, with the defaults that make the record. */
    record Settings(int seconds, int warmUp, int connections, long heapFirst, long heapLast, String only) {

        static final Settings DEFAULTS = new Settings(15, 8, 64, 100_000, 1_000_000, "");

        static Settings of(List<String> args) {
            Map<String, String> given = new LinkedHashMap<>(Map.of("seconds", "15", "warm-up", "8", "connections", "64",
                    "heap-first", "100000", "heap-last", "1000000", "only", ""));
            for (String arg : args) {
                String[] kv = arg.split("=", 2);
                if (kv.length != 2 || !given.containsKey(kv[0])) {
                    throw new IllegalArgumentException("unknown setting '" + arg + "'; known (name=value): " + given.keySet());
                }
                given.put(kv[0], kv[1]);
            }
            Settings s = new Settings(Integer.parseInt(given.get("seconds")), Integer.parseInt(given.get("warm-up")),
                    Integer.parseInt(given.get("connections")), Long.parseLong(given.get("heap-first")), Long.parseLong(given.get("heap-last")),
                    given.get("only"));
            if (s.heapLast() > 0 && s.heapLast() <= s.heapFirst()) {
                throw new IllegalArgumentException("heap-last must be above heap-first (or 0 to skip the heap part)");
            }
            return s;
        }

        boolean reduced() {
            return !equals(DEFAULTS);
        }
    }

    /** One load generator command's outcome. */
    record Measure(long ok, double seconds, double p50, double p99, long errors, String firstError) {
        double perSecond() {
            return ok / seconds;
        }

        long requests() {
            return ok + errors;
        }
    }

    private final Settings settings;
    private final Load load;
    private final StringBuilder report = new StringBuilder();

    private IngestBench(Settings settings, Load load) {
        this.settings = settings;
        this.load = load;
    }

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "../bench/results");
        Settings settings = Settings.of(List.of(args).stream().skip(1).filter(a -> !a.equals("ingest")).toList());
        long began = System.nanoTime();
        SharedInfrastructure infra = SharedInfrastructure.get();
        Path dir = Files.createTempDirectory("nightshift-bench-ingest-");
        Path catalogue = Files.writeString(dir.resolve("workers.yml"), CATALOGUE);
        Map<String, String> secrets = Map.of(Deliveries.TODOIST_SECRET_ENV, SECRET, Deliveries.GITHUB_SECRET_ENV, GITHUB_SECRET,
                "NIGHTSHIFT_SIGNING_KEY", TestSigningKey.KEY);
        String benchClassPath = System.getProperty("java.class.path");
        String run = UUID.randomUUID().toString().substring(0, 6);

        StringBuilder header = new StringBuilder(BenchEnvironment.header("Ingest benchmark"));
        header.append("- load average at start: ").append(BenchEnvironment.shell("cat /proc/loadavg")).append('\n');
        if (settings.reduced()) {
            header.append("- REDUCED RUN (").append(settings).append("): for looking, not the record\n");
        }
        IngestBench bench;
        try (BenchProcess generator = BenchProcess.start("load generator", dir.resolve("load-generator.log"), benchClassPath,
                GENERATOR_JVM, LoadGenerator.class.getName(), List.of(run), secrets, true)) {
            bench = new IngestBench(settings, new Load(generator));
            Ingest ingest = new Ingest(infra, catalogue, secrets, dir);
            header.append("- setup: four processes on this machine's cores: the KRaft broker (in the bench's JVM), the registry, ingest (")
                    .append(ingest.classPathNote()).append(", its default settings: logging and tracing as deployed; JVM ")
                    .append(String.join(" ", SERVER_JVM)).append(") or the minimal pipeline (embedded Tomcat on virtual threads, one servlet: the same")
                    .append(" HMAC check, Jackson parse, signed Avro TaskEvent through the registry's serde, producer acks=all, idempotent, linger 0;")
                    .append(" the same JVM flags), and the load generator (its own JVM: ").append(settings.connections())
                    .append(" keep-alive HTTP/1.1 connections, every request a new signed task with a new delivery id)\n")
                    .append("- saturation: a closed loop on ").append(settings.connections()).append(" connections for ").append(settings.seconds())
                    .append(" s after ").append(settings.warmUp()).append(" s of warm-up (and every kind of delivery sent to both for as long")
                    .append(" before the first measure); latency: an open loop at half the saturating rate for ").append(settings.seconds())
                    .append(" s, each request timed from when it was due; errors: any answer but 200 with the expected result\n\n");
            bench.report.append(header);
            System.out.print(header);
            bench.throughput(ingest, infra, catalogue, secrets, dir);
            if (settings.heapLast() > 0) {
                bench.heap(ingest);
            }
        }
        bench.report.append(String.format("%n- load average at the end: %s; the run took %.1f min%n", BenchEnvironment.shell("cat /proc/loadavg"),
                (System.nanoTime() - began) / 60e9));
        Path file = (settings.reduced() ? Files.createDirectories(results.resolveSibling("target")) : Files.createDirectories(results))
                .resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-ingest" + (settings.reduced() ? "-reduced" : "") + ".md");
        Files.writeString(file, bench.report);
        System.out.println(bench.report);
        System.out.println("written to " + file.toAbsolutePath().normalize());
        System.exit(0);
    }

    /** Both targets, every kind of delivery: the table, the ratios, and what ingest logged meanwhile. */
    private void throughput(Ingest ingest, SharedInfrastructure infra, Path catalogue, Map<String, String> secrets, Path dir) throws Exception {
        List<Deliveries> kinds = Deliveries.all(SECRET, GITHUB_SECRET).stream().filter(d -> d.key().contains(settings.only())).toList();
        int minimalPort = freePort();
        Map<String, Measure[]> measured = new LinkedHashMap<>();
        Map<String, long[]> logged = new LinkedHashMap<>();
        long ingestWebhooks = 0;
        long ingestLogStart;
        String ingestLog;
        try (BenchProcess nightshift = ingest.start("ingest");
                BenchProcess minimal = BenchProcess.start("minimal pipeline", dir.resolve("minimal.log"), System.getProperty("java.class.path"),
                        SERVER_JVM, MinimalPipeline.class.getName(), List.of(String.valueOf(minimalPort), infra.bootstrapServers(),
                                infra.registryUrl(), catalogue.toString()), secrets, false)
                        .await("ready", p -> contains(p, "minimal pipeline listening"))) {
            ingestLogStart = nightshift.logBytes();
            report.append("| delivery | body | target | saturating rate | p50 / p99 at saturation | half rate offered (achieved) | p50 / p99 at half | errors |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            // every path of both targets once before any is measured: the JIT, the broker's and the registry's caches
            for (Deliveries d : kinds) {
                ingestWebhooks += load.closed(ingest.port, d, settings.connections(), settings.warmUp(), 0).requests();
                load.closed(minimalPort, d, settings.connections(), settings.warmUp(), 0);
            }
            for (Deliveries d : kinds) {
                Measure[] four = new Measure[4];
                for (int target = 0; target < 2; target++) {
                    int port = target == 0 ? ingest.port : minimalPort;
                    long logBefore = nightshift.logBytes();
                    Measure warm = load.closed(port, d, settings.connections(), settings.warmUp(), 0);
                    Measure saturated = four[target * 2] = load.closed(port, d, settings.connections(), settings.seconds(), 0);
                    Measure half = four[target * 2 + 1] = saturated.ok() == 0 ? new Measure(0, 1, Double.NaN, Double.NaN, 0, "not run: nothing succeeded")
                            : load.open(port, d, settings.connections(), saturated.perSecond() / 2, settings.seconds());
                    if (target == 0) {
                        long webhooks = warm.requests() + saturated.requests() + half.requests();
                        ingestWebhooks += webhooks;
                        logged.put(d.key(), new long[] {nightshift.logBytes() - logBefore, webhooks});
                    }
                    String row = String.format("| %s | %,d B | %s | %,.0f/s | %.1f / %.1f ms | %,.0f/s (%,.0f/s) | %.1f / %.1f ms | %s |%n",
                            d.name(), d.template().sampleBytes(), target == 0 ? "Nightshift" : "minimal", saturated.perSecond(), saturated.p50(),
                            saturated.p99(), saturated.perSecond() / 2, half.perSecond(), half.p50(), half.p99(),
                            errors(saturated.errors() + half.errors(), saturated.firstError() != null ? saturated.firstError() : half.firstError()));
                    report.append(row);
                    System.out.print(row); // progress: a full run takes a while
                }
                measured.put(d.key(), four);
            }
            ingestLog = nightshift.logText();
            long bytes = nightshift.logBytes() - ingestLogStart;
            report.append("\n## Against the targets\n\n");
            for (Deliveries d : kinds) {
                Measure[] m = measured.get(d.key());
                double target = RATIO_TARGETS.get(d.key());
                if (m[2].ok() == 0) {
                    report.append("- ").append(d.name()).append(": the minimal pipeline answered nothing right (").append(errors(m[2].errors(), m[2].firstError()))
                            .append("): no ratio\n");
                    continue;
                }
                double ratio = m[0].perSecond() / m[2].perSecond();
                report.append(String.format("- %s: %,.0f/s, %.0f %% of the minimal pipeline's %,.0f/s (target %.0f %%: %s); p99 at half rate %.1f ms "
                                + "(target under %.0f ms: %s); the minimal pipeline at its half rate: %s, p99 %.1f ms%n",
                        d.name(), m[0].perSecond(), 100 * ratio, m[2].perSecond(), 100 * target, ratio >= target ? "met" : "MISSED", m[1].p99(),
                        P99_TARGET_MS, m[1].p99() < P99_TARGET_MS && m[1].errors() == 0 ? "met" : "MISSED",
                        m[3].errors() == 0 ? "every request answered" : m[3].errors() + " requests failed (NOT an anchor)", m[3].p99()));
            }
            report.append("\n## What ingest logged\n\n")
                    .append(String.format("- %,d bytes for %,d webhooks after start-up: %,.0f bytes per 1k webhooks%n", bytes, ingestWebhooks,
                            1000.0 * bytes / Math.max(1, ingestWebhooks)));
            logged.forEach((key, v) -> report.append(String.format("  - %s: %,.0f bytes per 1k webhooks%n",
                    Deliveries.named(kinds, key).orElseThrow().name(), 1000.0 * v[0] / Math.max(1, v[1]))));
            report.append(spans(ingestLog, "this ingest"));
        }
    }

    /** A fresh ingest's heap after a full GC: at start, after heap-first and after heap-last published deliveries. */
    private void heap(Ingest ingest) throws Exception {
        Deliveries todoist = Deliveries.named(Deliveries.all(SECRET, GITHUB_SECRET), "todoist-published").orElseThrow();
        try (BenchProcess fresh = ingest.start("ingest-heap")) {
            long logStart = fresh.logBytes();
            long atStart = fresh.heapAfterFullGcKb();
            Measure first = load.closed(ingest.port, todoist, settings.connections(), 1e6, settings.heapFirst());
            long atFirst = fresh.heapAfterFullGcKb();
            System.out.printf("heap: %,d KiB at start, %,d KiB after %,d published (%,.0f/s); publishing up to %,d%n", atStart, atFirst,
                    first.ok(), first.perSecond(), settings.heapLast());
            Measure rest = load.closed(ingest.port, todoist, settings.connections(), 1e6, settings.heapLast() - settings.heapFirst());
            long atLast = fresh.heapAfterFullGcKb();
            double growth = 100.0 * (atLast - atFirst) / atFirst;
            report.append("\n## Heap (a fresh ingest, Todoist tasks published through it on ").append(settings.connections()).append(" connections)\n\n")
                    .append(String.format("- after a full GC at start: %,d KiB%n", atStart))
                    .append(String.format("- after %,d published deliveries (%,.0f/s, %s): %,d KiB%n", first.ok(), first.perSecond(),
                            errors(first.errors(), first.firstError()) + " errors", atFirst))
                    .append(String.format("- after %,d published deliveries (%,.0f/s, %s): %,d KiB%n", first.ok() + rest.ok(), rest.perSecond(),
                            errors(rest.errors(), rest.firstError()) + " errors", atLast))
                    .append(String.format("- growth between them: %+.1f %% (target under 10 %%: %s)%n", growth, growth < 10 ? "met" : "MISSED"))
                    .append(String.format("- log: %,.0f bytes per 1k webhooks%n", 1000.0 * (fresh.logBytes() - logStart) / Math.max(1, first.requests() + rest.requests())))
                    .append(spans(fresh.logText(), "this ingest"))
                    .append("- its largest classes at the end:\n\n```\n").append(fresh.histogram(10)).append("\n```\n");
        }
    }

    private static String spans(String log, String who) {
        Matcher m = DROPPED.matcher(log);
        long warnings = 0;
        long spans = 0;
        while (m.find()) {
            warnings++;
            spans += Long.parseLong(m.group(1));
        }
        long warnLines = log.lines().filter(l -> l.contains(" WARN ")).count();
        return String.format("- dropped-span warnings (BatchSpanProcessor) in %s's log: %d, %,d spans dropped (target none: %s); WARN lines in all: %d%n",
                who, warnings, spans, warnings == 0 ? "met" : "MISSED", warnLines);
    }

    private static String errors(long count, String first) {
        return count == 0 ? "0" : count + " (first: " + (first == null ? "?" : first.length() > 120 ? first.substring(0, 120) + "…" : first) + ")";
    }

    private static boolean contains(BenchProcess p, String text) {
        try {
            return p.logText().contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Ingest as deployed: its main class, its own class path where the build wrote it, its default settings. */
    private static final class Ingest {
        private static final Path CLASS_PATH = Path.of("../ingest-service/target/classpath.txt");
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        final int port;
        private final List<String> args;
        private final Map<String, String> secrets;
        private final Path dir;
        private final boolean ownClassPath = Files.exists(CLASS_PATH);

        Ingest(SharedInfrastructure infra, Path catalogue, Map<String, String> secrets, Path dir) throws IOException {
            this.port = freePort();
            this.secrets = secrets;
            this.dir = dir;
            // the load is one worker and one author: the runs-per-hour caps are not what is measured
            this.args = List.of("--server.port=" + port, "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers(),
                    "--nightshift.registry-url=" + infra.registryUrl(), "--nightshift.ingest.workers-file=" + catalogue,
                    "--nightshift.ingest.limits.runs-per-hour=1000000000", "--nightshift.ingest.limits.runs-per-author-per-hour=1000000000");
        }

        String classPathNote() {
            return ownClassPath ? "its main class on its own class path" : "its main class on the bench's class path (no " + CLASS_PATH + ")";
        }

        BenchProcess start(String name) throws IOException, InterruptedException {
            String classPath = ownClassPath
                    ? Path.of("../ingest-service/target/classes").toAbsolutePath().normalize() + ":" + Files.readString(CLASS_PATH).strip()
                    : System.getProperty("java.class.path");
            return BenchProcess.start(name, dir.resolve(name + ".log"), classPath, SERVER_JVM, "dev.nightshift.ingest.IngestApplication", args,
                    secrets, false).await("ready", p -> ready());
        }

        private boolean ready() {
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The load generator's end of the pipe: one command, one result line. */
    private record Load(PrintStream commands, BufferedReader results) {

        Load(BenchProcess generator) {
            this(new PrintStream(generator.process.getOutputStream(), true, StandardCharsets.UTF_8),
                    new BufferedReader(new InputStreamReader(generator.process.getInputStream(), StandardCharsets.UTF_8)));
        }

        Measure closed(int port, Deliveries d, int connections, double seconds, long max) throws IOException {
            return send("closed " + port + " " + d.key() + " " + connections + " " + seconds + " " + max);
        }

        Measure open(int port, Deliveries d, int connections, double rate, double seconds) throws IOException {
            return send("open " + port + " " + d.key() + " " + connections + " " + rate + " " + seconds);
        }

        private Measure send(String command) throws IOException {
            commands.println(command);
            for (String line = results.readLine(); line != null; line = results.readLine()) {
                if (line.startsWith("result ")) {
                    String[] r = line.split(" ", 7);
                    return new Measure(Long.parseLong(r[1]), Double.parseDouble(r[2]), Double.parseDouble(r[3]), Double.parseDouble(r[4]),
                            Long.parseLong(r[5]), r.length > 6 ? r[6] : null);
                }
            }
            throw new IllegalStateException("the load generator stopped answering (its log is next to ingest's)");
        }
    }
}
