package dev.nightshift.bench;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.ToDoubleFunction;

import dev.nightshift.dispatch.budget.PriceTable;
import dev.nightshift.dispatch.gateway.Credential;
import dev.nightshift.dispatch.gateway.ModelGateway;
import dev.nightshift.dispatch.gateway.Provider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * The model gateway's cost: the same streamed Messages API answers fetched straight from a stand-in
 * provider on 127.0.0.1 and through a run's gateway door (its loopback port, the same handler as the Unix
 * socket a sandboxed agent uses), with the JDK HttpClient over HTTP/1.1 as the agent. (1) Latency:
 * sequential requests, direct and through the gateway interleaved, to the response headers, the first
 * body byte and the last. (2) Throughput: 20 runs streaming at once (20 doors, 20 clients in a loop),
 * with the deltas paced slowly (nearer a model's pace), paced as in (1), and unpaced (the machine's
 * ceiling). Client, stand-in and gateway share one JVM and the machine's cores, so both sides of every
 * ratio pay for the same client and stand-in. Settings as name=value arguments after the results directory, e.g. {@code deltas=400 pause-us=0}.
 */
public final class GatewayBench {

    private static final int MB = 1024 * 1024;

    /** What the bench was told, with the defaults it runs without arguments. */
    private record Settings(int requests, int warmUp, int clients, int seconds, int warmUpSeconds, int firstByteMs, int deltas,
            int deltaBytes, int pauseUs, int slowPauseUs, int bodyKb) {

        static Settings of(List<String> args) {
            Map<String, Integer> given = new LinkedHashMap<>(Map.ofEntries(Map.entry("requests", 300), Map.entry("warm-up", 50),
                    Map.entry("clients", 20), Map.entry("seconds", 20), Map.entry("warm-up-seconds", 3), Map.entry("first-byte-ms", 20),
                    Map.entry("deltas", 200), Map.entry("delta-bytes", 20), Map.entry("pause-us", 1000), Map.entry("slow-pause-us", 10000),
                    Map.entry("body-kb", 64)));
            for (String arg : args) {
                String[] kv = arg.split("=", 2);
                if (kv.length != 2 || !given.containsKey(kv[0])) {
                    throw new IllegalArgumentException("unknown setting '" + arg + "'; known (name=value): " + given.keySet());
                }
                given.put(kv[0], Integer.parseInt(kv[1]));
            }
            return new Settings(given.get("requests"), given.get("warm-up"), given.get("clients"), given.get("seconds"),
                    given.get("warm-up-seconds"), given.get("first-byte-ms"), given.get("deltas"), given.get("delta-bytes"),
                    given.get("pause-us"), given.get("slow-pause-us"), given.get("body-kb"));
        }

        StandInMessagesApi.Answer answer(int pauseUs) {
            return new StandInMessagesApi.Answer(Duration.ofMillis(firstByteMs), deltas, deltaBytes, Duration.ofNanos(pauseUs * 1000L));
        }
    }

    /** Where a client sends its requests, and the credential it shows there. */
    private record Target(URI messages, String header, String value) {
    }

    /** One request: ms from sending it to the response headers, to the first body byte, to the last; the body's size. */
    private record Sample(double headers, double firstByte, double lastByte, long bytes, long endNanos) {
    }

    public static void main(String[] args) throws Exception {
        // a provider's server sends each event at once; the JDK server would otherwise hold small writes (Nagle)
        System.setProperty("sun.net.httpserver.nodelay", "true");
        Path results = Path.of(args.length > 0 ? args[0] : "bench/results");
        Settings settings = Settings.of(List.of(args).stream().skip(1).filter(a -> !a.equals("gateway")).toList());
        String key = "sk-ant-bench-" + HexFormat.of().formatHex(ManagementFactory.getRuntimeMXBean().getName().getBytes(StandardCharsets.UTF_8));
        byte[] body = requestBody(settings.bodyKb() * 1024);

        StringBuilder report = new StringBuilder(BenchEnvironment.header("Model gateway benchmark"));
        try (StandInMessagesApi api = new StandInMessagesApi(key, settings.answer(settings.pauseUs()));
                ModelGateway gateway = new ModelGateway(
                        Map.of(Provider.ANTHROPIC, new ModelGateway.Upstream(Provider.ANTHROPIC, api.baseUri(),
                                Optional.of(new Credential.ApiKey(key, "bench")), "ANTHROPIC_API_KEY")),
                        new ModelGateway.Limits(32L * MB, Duration.ofSeconds(10), Duration.ofSeconds(60)),
                        new PriceTable(Map.of()), new SimpleMeterRegistry())) {
            Target direct = new Target(api.baseUri().resolve("/v1/messages"), "x-api-key", key);
            report.append("- setup: client (JDK HttpClient, HTTP/1.1, one connection per client), stand-in Messages API (JDK HttpServer) and gateway ")
                    .append("(Jetty, its TCP door on 127.0.0.1) in one JVM on this machine's cores; request body ").append(body.length / 1024)
                    .append(" KiB; answer: first byte after ").append(settings.firstByteMs()).append(" ms, then message_start, ")
                    .append(settings.deltas()).append(" content_block_delta events of ").append(settings.deltaBytes()).append(" text bytes (")
                    .append(answerBytes(direct, body)).append(" bytes of SSE in all) ")
                    .append(settings.pauseUs() > 0 ? settings.pauseUs() + " µs apart" : "unpaced").append(", message_delta, message_stop\n")
                    .append("- load average before: ").append(BenchEnvironment.shell("cat /proc/loadavg")).append("\n\n");

            // (1) latency, one request at a time
            ModelGateway.Door door = gateway.open("bench-latency", Provider.ANTHROPIC, 1e9);
            Target through = new Target(URI.create("http://127.0.0.1:" + door.hostPort() + "/v1/messages"), "authorization", "Bearer " + door.token());
            List<Sample> directSamples = new ArrayList<>();
            List<Sample> gatewaySamples = new ArrayList<>();
            try (HttpClient directClient = client(); HttpClient gatewayClient = client()) {
                for (int i = 0; i < settings.warmUp() + settings.requests(); i++) {
                    Sample d = fetch(directClient, direct, body);
                    Sample g = fetch(gatewayClient, through, body);
                    if (i >= settings.warmUp()) {
                        directSamples.add(d);
                        gatewaySamples.add(g);
                    }
                }
            }
            var metered = door.account().metered();
            door.close();
            report.append("## (1) Added latency, one request at a time\n\n")
                    .append(settings.requests()).append(" requests each, direct and through the gateway interleaved, after ")
                    .append(settings.warmUp()).append(" warm-up rounds. The gateway metered ").append(metered.requests())
                    .append(" answers of this door (").append(metered.outputTokens()).append(" output tokens, $")
                    .append("%.2f".formatted(metered.costUsd())).append(").\n\n")
                    .append("| ms from sending the request | direct p50 | gateway p50 | added p50 | direct p99 | gateway p99 | added p99 |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            latencyRow(report, "to the response headers", directSamples, gatewaySamples, Sample::headers);
            latencyRow(report, "to the first body byte (message_start)", directSamples, gatewaySamples, Sample::firstByte);
            latencyRow(report, "to the last byte (message_stop)", directSamples, gatewaySamples, Sample::lastByte);

            // (2) throughput: one door per run, as dispatch opens them
            Map<String, Integer> phases = new LinkedHashMap<>();
            phases.put("a", settings.slowPauseUs());
            phases.put("b", settings.pauseUs());
            phases.put("c", 0);
            for (var phase : phases.entrySet()) {
                int pauseUs = phase.getValue();
                api.answer(settings.answer(pauseUs));
                List<ModelGateway.Door> doors = new ArrayList<>();
                List<Target> directs = new ArrayList<>();
                List<Target> gateways = new ArrayList<>();
                for (int i = 0; i < settings.clients(); i++) {
                    ModelGateway.Door d = gateway.open("bench-run-" + i, Provider.ANTHROPIC, 1e9);
                    doors.add(d);
                    directs.add(direct);
                    gateways.add(new Target(URI.create("http://127.0.0.1:" + d.hostPort() + "/v1/messages"), "authorization", "Bearer " + d.token()));
                }
                Load directLoad = load(directs, body, settings);
                Load gatewayLoad = load(gateways, body, settings);
                doors.forEach(ModelGateway.Door::close);
                report.append("\n## (2").append(phase.getKey()).append(") Throughput, ").append(settings.clients())
                        .append(" runs streaming at once, answers ").append(pauseUs > 0 ? "paced (" + pauseUs + " µs between deltas, "
                                + "each flushed as its own chunk)" : "unpaced (the machine's ceiling: every side wants CPU)").append("\n\n")
                        .append(settings.clients()).append(" clients, each with its own connection (through the gateway: its own run's door), ")
                        .append("requests in a loop; counted: the answers completed in ").append(settings.seconds())
                        .append(" s after ").append(settings.warmUpSeconds()).append(" s of warm-up. CPU: the whole JVM's (client, stand-in and gateway).\n\n")
                        .append("| | requests/s | MB/s | first byte p50 ms | first byte p99 ms | last byte p50 ms | last byte p99 ms | JVM CPU ms per request |\n")
                        .append("|---|---|---|---|---|---|---|---|\n");
                loadRow(report, "direct", directLoad);
                loadRow(report, "through the gateway", gatewayLoad);
                report.append("| gateway / direct | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n".formatted(
                        gatewayLoad.perSecond() / directLoad.perSecond(), gatewayLoad.mbPerSecond() / directLoad.mbPerSecond(),
                        p(gatewayLoad.samples(), Sample::headers, 0.5) / p(directLoad.samples(), Sample::headers, 0.5),
                        p(gatewayLoad.samples(), Sample::headers, 0.99) / p(directLoad.samples(), Sample::headers, 0.99),
                        p(gatewayLoad.samples(), Sample::lastByte, 0.5) / p(directLoad.samples(), Sample::lastByte, 0.5),
                        p(gatewayLoad.samples(), Sample::lastByte, 0.99) / p(directLoad.samples(), Sample::lastByte, 0.99),
                        gatewayLoad.cpuMsPerRequest() / directLoad.cpuMsPerRequest()));
            }
            report.append("\n- load average after: ").append(BenchEnvironment.shell("cat /proc/loadavg")).append("\n");
            report.append("\nFirst byte here: the response headers (HttpClient.send returning); through the gateway they leave Jetty ")
                    .append("together with the first event.\n");
        }
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-gateway.md");
        Files.writeString(file, report);
        System.out.println(report);
        System.out.println("written to " + file.toAbsolutePath().normalize());
    }

    /** A Messages API request as Claude Code sends one: system prompt, tools and conversation, streamed. */
    private static byte[] requestBody(int size) {
        String head = "{\"model\":\"claude-sonnet-4-5-20250929\",\"max_tokens\":32000,\"stream\":true,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"You are a coding agent.\"}],\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"";
        String tail = "\"}]}]}";
        return (head + "lorem ipsum ".repeat(Math.max(0, size - head.length() - tail.length()) / 12) + tail).getBytes(StandardCharsets.UTF_8);
    }

    private static String answerBytes(Target direct, byte[] body) throws Exception {
        try (HttpClient c = client()) {
            return String.valueOf(fetch(c, direct, body).bytes());
        }
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    /** One streamed answer, read to its end as an agent reads it; anything but a whole answer stops the bench. */
    private static Sample fetch(HttpClient client, Target target, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(target.messages()).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("content-type", "application/json").header("anthropic-version", "2023-06-01")
                .header(target.header(), target.value()).build();
        long start = System.nanoTime();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        long headers = System.nanoTime();
        long first = 0;
        long bytes = 0;
        byte[] buffer = new byte[16384];
        byte[] last = new byte[64];
        int lastLength = 0;
        try (InputStream in = response.body()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (n > 0 && first == 0) {
                    first = System.nanoTime();
                }
                bytes += n;
                // the last bytes so far, also when the final event comes split over reads
                int keep = Math.min(n, last.length);
                int kept = Math.min(lastLength, last.length - keep);
                System.arraycopy(last, lastLength - kept, last, 0, kept);
                System.arraycopy(buffer, n - keep, last, kept, keep);
                lastLength = kept + keep;
            }
        }
        long end = System.nanoTime();
        String tail = new String(last, 0, lastLength, StandardCharsets.UTF_8);
        if (response.statusCode() != 200 || !tail.contains("message_stop")) {
            throw new IllegalStateException(target.messages() + " answered " + response.statusCode() + ", ending: " + tail);
        }
        return new Sample(ms(headers - start), ms(first - start), ms(end - start), bytes, end);
    }

    /** What one load phase measured over its counted window. */
    private record Load(List<Sample> samples, double seconds, double cpuMs) {
        double perSecond() {
            return samples.size() / seconds;
        }

        double mbPerSecond() {
            return samples.stream().mapToLong(Sample::bytes).sum() / (double) MB / seconds;
        }

        double cpuMsPerRequest() {
            return cpuMs / samples.size();
        }
    }

    /** One client per target, each requesting in a loop; counted: answers completed inside the window after the warm-up. */
    private static Load load(List<Target> targets, byte[] body, Settings settings) throws Exception {
        long begin = System.nanoTime();
        long windowStart = begin + Duration.ofSeconds(settings.warmUpSeconds()).toNanos();
        long windowEnd = windowStart + Duration.ofSeconds(settings.seconds()).toNanos();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Sample> counted = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(targets.size());
        long[] cpu = new long[2];
        Thread cpuMeter = Thread.ofPlatform().start(() -> {
            sleepUntil(windowStart);
            cpu[0] = os.getProcessCpuTime();
            sleepUntil(windowEnd);
            cpu[1] = os.getProcessCpuTime();
        });
        for (Target target : targets) {
            Thread.ofPlatform().name("bench-client").start(() -> {
                try (HttpClient client = client()) {
                    while (System.nanoTime() < windowEnd) {
                        Sample s = fetch(client, target, body);
                        if (s.endNanos() >= windowStart && s.endNanos() <= windowEnd) {
                            counted.add(s);
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        cpuMeter.join();
        if (!failures.isEmpty()) {
            throw new IllegalStateException("a client failed: " + failures.getFirst(), failures.getFirst());
        }
        return new Load(List.copyOf(counted), settings.seconds(), (cpu[1] - cpu[0]) / 1e6);
    }

    private static void sleepUntil(long nanos) {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void latencyRow(StringBuilder report, String name, List<Sample> direct, List<Sample> gateway, ToDoubleFunction<Sample> f) {
        double d50 = p(direct, f, 0.5);
        double g50 = p(gateway, f, 0.5);
        double d99 = p(direct, f, 0.99);
        double g99 = p(gateway, f, 0.99);
        report.append("| %s | %.2f | %.2f | %+.2f | %.2f | %.2f | %+.2f |\n".formatted(name, d50, g50, g50 - d50, d99, g99, g99 - d99));
    }

    private static void loadRow(StringBuilder report, String name, Load load) {
        report.append("| %s | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |\n".formatted(name, load.perSecond(), load.mbPerSecond(),
                p(load.samples(), Sample::headers, 0.5), p(load.samples(), Sample::headers, 0.99),
                p(load.samples(), Sample::lastByte, 0.5), p(load.samples(), Sample::lastByte, 0.99), load.cpuMsPerRequest()));
    }

    /** The q-quantile, nearest rank (as the other benches). */
    private static double p(List<Sample> samples, ToDoubleFunction<Sample> f, double q) {
        double[] sorted = samples.stream().mapToDouble(f).sorted().toArray();
        return sorted[(int) Math.ceil(q * sorted.length) - 1];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
