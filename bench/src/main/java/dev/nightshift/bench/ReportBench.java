package dev.nightshift.bench;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.nightshift.events.AirtableOutput;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFile;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.events.Topics;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.report.ReportApplication;
import dev.nightshift.testkit.ReportTopics;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicWriter;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Report's write-back against stand-ins that keep the targets' limits, on the embedded broker and registry:
 * <ol>
 * <li>Airtable: 1,000 finished runs for one base, the stand-in answering 429 past 5 requests in any second
 *     (and refusing everything for 30 s after, as Airtable does): records per second, 429s seen;</li>
 * <li>GitHub: a burst of 500 runs (started and finished): the most content-creating requests in any sliding
 *     minute, against GitHub's 80;</li>
 * <li>Todoist, with no limit binding: from a run's finished event being sent to its done comment reaching
 *     the stand-in, p50 and p99.</li>
 * </ol>
 * Run from the bench module's directory: ./nightshift bench report.
 */
public final class ReportBench {

    private static final String BASE = "appB3nchB3nchB3n";
    private static final Pattern RUN = Pattern.compile("(bench-[0-9a-f-]+)");

    /** What reached the stand-in, when (nanoTime), and what it answered. */
    record Arrival(long at, String method, String url, String body, int status) {
    }

    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final StringBuilder report = new StringBuilder();

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "../bench/results");
        TrustedEvents.trust();
        SharedInfrastructure infra = SharedInfrastructure.get();
        ReportTopics.create();
        ReportBench bench = new ReportBench();
        AirtableLimit airtableLimit = new AirtableLimit();
        WireMockServer targets = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true)
                .containerThreads(32).extensions(airtableLimit, bench.new Recorder()));
        targets.start();
        targets.stubFor(any(urlPathMatching("/airtable/.*")).willReturn(okJson("{\"records\":[]}")));
        targets.stubFor(any(urlPathMatching("/github/.*")).willReturn(okJson("{\"id\":9001,\"number\":1}").withStatus(200)));
        targets.stubFor(any(urlPathMatching("/todoist/.*")).willReturn(okJson("{\"id\":\"c1\",\"labels\":[]}")));
        List<String> arguments = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers(),
                "--nightshift.registry-url=" + infra.registryUrl(),
                "--nightshift.report.group-prefix=bench-report-" + UUID.randomUUID(),
                "--nightshift.report.airtable.api-url=" + targets.baseUrl() + "/airtable/v0",
                "--nightshift.report.airtable.api-token=bench",
                "--nightshift.report.github.api-base-url=" + targets.baseUrl() + "/github",
                "--nightshift.report.github.api-token=bench",
                // the hourly limit (45 per 6 minutes) would bind first and hide the minute's
                "--nightshift.report.github.limits.sustained.requests=100000",
                "--nightshift.report.todoist.api-base-url=" + targets.baseUrl() + "/todoist",
                "--nightshift.report.todoist.api-token=bench",
                // no limit binds: what is measured is report's own delay
                "--nightshift.report.todoist.limits.requests=1000",
                "--nightshift.report.todoist.limits.period=1s",
                "--logging.level.dev.nightshift=WARN",
                "--nightshift.signing.key=" + TestSigningKey.KEY,
                "--server.port=0"));
        String only = args.length > 2 ? args[2] : ""; // ./nightshift bench report [airtable|github|todoist]
        try (ConfigurableApplicationContext app = ReportApplication.builder().registerShutdownHook(false).run(arguments.toArray(String[]::new))) {
            Thread.sleep(5_000); // the sinks' consumers join their groups
            bench.report.append(BenchEnvironment.header("Report benchmark"))
                    .append("- setup: the embedded KRaft broker, the registry, report (production limits from report.yml unless said) and\n")
                    .append("  WireMock stand-ins for the three APIs, in one JVM; run events are sent in bursts by one producer\n\n");
            if ("airtable".contains(only)) {
                bench.airtable(airtableLimit);
            }
            if ("github".contains(only)) {
                bench.github();
            }
            if ("todoist".contains(only)) {
                bench.todoistLatency();
            }
        } finally {
            targets.stop();
        }
        System.out.println(bench.report);
        if (!only.isEmpty()) {
            System.exit(0); // a partial run is for looking, not for the record
        }
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-report.md");
        Files.writeString(file, bench.report);
        System.out.println("written to " + file.toAbsolutePath().normalize());
        System.exit(0);
    }

    private void airtable(AirtableLimit limit) throws Exception {
        int runs = 1_000;
        String batch = UUID.randomUUID().toString();
        List<Map.Entry<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String run = "bench-" + batch + "-" + i;
            events.add(Map.entry("todoist:" + run, airtableRun(run)));
        }
        long sent = System.nanoTime();
        TopicWriter.sendAll(Topics.RUNS, events);
        long deadline = sent + Duration.ofMinutes(3).toNanos();
        while (written("/airtable/", batch) < runs && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Arrival> mine = arrivals.stream().filter(a -> a.url().startsWith("/airtable/") && a.body().contains(batch)).toList();
        long ok = mine.stream().filter(a -> a.status() == 200).count();
        long first = mine.getFirst().at();
        long last = mine.stream().filter(a -> a.status() == 200).mapToLong(Arrival::at).max().orElse(first);
        double seconds = (last - sent) / 1e9;
        long records = written("/airtable/", batch);
        // the sink's rate: from its first request to its last write (the first batch's poll is report's start, not its pace)
        double perSecond = (records - recordsIn(mine.getFirst())) / ((last - first) / 1e9);
        report.append("## Airtable: 1,000 finished runs, one base, a stand-in enforcing 5 requests/s\n\n")
                .append(String.format("- records written: %d of %d in %.1f s from the burst's send (first request after %.2f s)%n",
                        written("/airtable/", batch), runs, seconds, (first - sent) / 1e9))
                .append(String.format("- requests: %d answered 200, %d answered 429; records per request %.1f%n", ok, limit.refused(),
                        (double) written("/airtable/", batch) / Math.max(1, ok)))
                .append(String.format("- from the burst's send to the last record: %.1f records/s%n", records / seconds))
                .append(String.format("- **%.1f records/s** from the first request to the last (target at least 45, no 429): %s%n%n", perSecond,
                        perSecond >= 45 && limit.refused() == 0 ? "met" : "MISSED"));
        System.out.println(report);
    }

    private void github() throws Exception {
        int runs = 500;
        String batch = UUID.randomUUID().toString();
        List<Map.Entry<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String run = "bench-" + batch + "-" + i;
            events.add(Map.entry("github:acme/bench#" + (i + 1), githubRun(run, i + 1, RunStarted.newBuilder().setAdapter("claude").build())));
            events.add(Map.entry("github:acme/bench#" + (i + 1), githubRun(run, i + 1, RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED)
                    .setSummary("Fixed.").setDurationMillis(1_000).setFinalAttempt(true).build())));
        }
        long sent = System.nanoTime();
        TopicWriter.sendAll(Topics.RUNS, events);
        Duration watch = Duration.ofSeconds(150);
        Thread.sleep(watch.toMillis());
        List<Long> creating = arrivals.stream().filter(a -> a.url().startsWith("/github/") && !a.method().equals("GET") && a.at() >= sent)
                .map(Arrival::at).sorted().toList();
        int worst = 0;
        Deque<Long> window = new ArrayDeque<>();
        for (long at : creating) {
            window.addLast(at);
            while (at - window.getFirst() >= Duration.ofMinutes(1).toNanos()) {
                window.removeFirst();
            }
            worst = Math.max(worst, window.size());
        }
        report.append("## GitHub: a burst of 500 runs (1,000 run events), watched for ").append(watch.toSeconds()).append(" s\n\n")
                .append(String.format("- content-creating requests (POST, PATCH, DELETE) seen: %d, %.1f a minute on average%n",
                        creating.size(), creating.size() / (watch.toSeconds() / 60.0)))
                .append(String.format("- **most in any sliding minute: %d** (GitHub allows 80): %s%n", worst, worst <= 80 ? "met" : "MISSED"))
                .append("- the hourly limit (500, kept as 45 per 6 minutes) was raised for this run; with it, the burst takes hours: ")
                .append("GitHub's own limit, not report's\n\n");
        System.out.println(report);
    }

    private void todoistLatency() throws Exception {
        int runs = 300;
        String batch = UUID.randomUUID().toString();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        for (int i = 0; i < runs; i++) {
            String run = "bench-" + batch + "-" + i;
            long due = System.nanoTime();
            sentAt.put(run, due);
            TopicWriter.send(Topics.RUNS, "todoist:" + run, todoistRun(run));
            long next = due + Duration.ofMillis(100).toNanos(); // 10 finished runs a second
            while (System.nanoTime() < next) {
                Thread.onSpinWait();
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<Double> latencies = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            latencies.clear();
            for (Arrival a : arrivals) {
                Matcher m = RUN.matcher(a.body());
                if (a.method().equals("POST") && a.url().equals("/todoist/comments") && a.body().contains(batch) && m.find()) {
                    latencies.add((a.at() - sentAt.get(m.group(1))) / 1e6);
                }
            }
            if (latencies.size() >= runs) {
                break;
            }
            Thread.sleep(200);
        }
        latencies.sort(Double::compare);
        double p50 = latencies.get(latencies.size() / 2);
        double p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
        report.append("## Todoist: finished event to done comment, no limit binding\n\n")
                .append(String.format("- %d runs finished at 10 a second; %d done comments reached the stand-in%n", runs, latencies.size()))
                .append(String.format("- p50 %.0f ms, **p99 %.0f ms** (target under 1 s): %s%n%n", p50, p99, p99 < 1_000 ? "met" : "MISSED"));
        System.out.println(report);
    }

    private static long recordsIn(Arrival arrival) {
        return RUN.matcher(arrival.body()).results().count();
    }

    /** Records upserted (answered 200) for this batch. */
    private long written(String prefix, String batch) {
        return arrivals.stream().filter(a -> a.url().startsWith(prefix) && a.status() == 200 && a.body().contains(batch))
                .mapToLong(ReportBench::recordsIn).sum();
    }

    private static RunEvent airtableRun(String run) {
        return RunEvent.newBuilder().setTaskKey("todoist:" + run).setRunId(run).setAttempt(1).setMaxAttempts(1).setWorker("drafter")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(run).setTitle("A post about Kafka").build())
                .setOutputs(OutputSinks.of(List.of(AirtableOutput.newBuilder().setBase(BASE).setTable("Drafts")
                        .setFields(Map.of("Title", "{{title}}", "Body", "{{file:draft.md}}", "Status", "Draft")).build())))
                .setBody(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setDurationMillis(1_000).setFinalAttempt(true)
                        .setFiles(List.of(RunFile.newBuilder().setName("draft.md").setSizeBytes(600).setContent("Kafka at night. ".repeat(40)).build()))
                        .build())
                .build();
    }

    private static RunEvent githubRun(String run, int number, Object body) {
        return RunEvent.newBuilder().setTaskKey("github:acme/bench#" + number).setRunId(run).setAttempt(1).setMaxAttempts(1).setWorker("fixer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/bench#" + number).setTitle("Fix it")
                        .setReference(GitHubIssue.newBuilder().setRepository("acme/bench").setNumber(number).build()).build())
                .setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().setWorkingLabel("agent-working").setDoneLabel("agent-done")
                        .setFailedLabel("agent-failed").build())))
                .setBody(body)
                .build();
    }

    private static RunEvent todoistRun(String run) {
        return RunEvent.newBuilder().setTaskKey("todoist:" + run).setRunId(run).setAttempt(1).setMaxAttempts(1).setWorker("writer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(run).setTitle("Write a post")
                        .setReference(TodoistTask.newBuilder().setId(run).setProjectId("p").build()).build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder().setDoneLabel("agent-done").build())))
                .setBody(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Drafted.").setDurationMillis(1_000)
                        .setFinalAttempt(true).build())
                .build();
    }

    /** Notes every request the stand-ins answered. */
    final class Recorder implements ServeEventListener {
        @Override
        public void afterComplete(ServeEvent event, Parameters parameters) {
            arrivals.add(new Arrival(System.nanoTime(), event.getRequest().getMethod().getName(), event.getRequest().getUrl(),
                    event.getRequest().getBodyAsString(), event.getResponse().getStatus()));
        }

        @Override
        public String getName() {
            return "recorder";
        }
    }

    /** Airtable's limit as Airtable keeps it: past 5 requests in a second, 429, and every request refused for 30 s. */
    static final class AirtableLimit implements ResponseDefinitionTransformerV2 {
        private final Deque<Long> lastSecond = new ArrayDeque<>();
        private long refusingUntil;
        private int refused;

        @Override
        public synchronized ResponseDefinition transform(ServeEvent event) {
            if (!event.getRequest().getUrl().startsWith("/airtable/")) {
                return event.getResponseDefinition();
            }
            long now = System.nanoTime();
            while (!lastSecond.isEmpty() && now - lastSecond.getFirst() >= 1_000_000_000L) {
                lastSecond.removeFirst();
            }
            lastSecond.addLast(now);
            if (now < refusingUntil || lastSecond.size() > 5) {
                refusingUntil = Math.max(refusingUntil, now + Duration.ofSeconds(30).toNanos());
                refused++;
                return aResponse().withStatus(429).withHeader("Content-Type", "application/json")
                        .withBody("{\"errors\":[{\"error\":\"RATE_LIMIT_REACHED\"}]}").build();
            }
            return event.getResponseDefinition();
        }

        synchronized int refused() {
            return refused;
        }

        @Override
        public String getName() {
            return "airtable-limit";
        }
    }
}
