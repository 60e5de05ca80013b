package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestApplication;
import dev.nightshift.report.ReportApplication;
import dev.nightshift.testkit.DispatchProcess;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.StandInAgent;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import dev.nightshift.testkit.TopicWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Dispatchers as deployed: separate JVMs of dispatch-service on one real broker and registry, with ingest and
 * report (and a stand-in Todoist) in this JVM. Crashes are SIGKILLs of those JVMs.
 */
@Timeout(600)
class DispatchClusterIT {

    private static final String SECRET = "cluster-secret";
    private static final String PROJECT = "6JfCLUSTERproject";

    private static Path dir;
    private static Path agent;
    private static WireMockServer todoist;
    private static ConfigurableApplicationContext report;
    private static ConfigurableApplicationContext ingest;
    private static Map<String, Object> settings;
    private final List<DispatchProcess> dispatchers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        StandInAgent standIn = StandInAgent.install("nightshift-cluster-");
        dir = standIn.dir();
        agent = standIn.agent();
        todoist = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        todoist.start();
        todoist.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"c\"}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/comments/[^/]+")).willReturn(okJson("{\"id\":\"c\"}")));
        todoist.stubFor(WireMock.get(urlPathMatching("/api/v1/comments")).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        todoist.stubFor(WireMock.get(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\",\"labels\":[]}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\"}")));
        Path catalogue = Files.writeString(dir.resolve("workers.yml"), """
                workers:
                  - name: worker
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 2m
                      max-attempts: 3
                    outputs:
                      todoist:
                        done-label: agent-done
                        failed-label: agent-failed
                """.formatted(PROJECT));
        settings = new LinkedHashMap<>();
        settings.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        settings.put("nightshift.registry-url", infra.registryUrl());
        settings.put("nightshift.ingest.workers-file", catalogue);
        settings.put("nightshift.ingest.limits.runs-per-hour", 1_000_000);
        settings.put("nightshift.ingest.limits.runs-per-author-per-hour", 1_000_000);
        settings.put("nightshift.ingest.todoist.client-secret", SECRET);
        settings.put("nightshift.ingest.todoist.api-base-url", todoist.baseUrl() + "/api/v1");
        settings.put("nightshift.report.todoist.api-base-url", todoist.baseUrl() + "/api/v1");
        settings.put("nightshift.report.todoist.api-token", "report-token");
        // the stand-in Todoist keeps no rate limit: at the real one (1000 per 15 min, evenly spaced) report needs about
        // 4.5 min for the chaos scenario's 300 requests, which would hide what the scenario measures
        settings.put("nightshift.report.todoist.limits.requests", 100_000);
        settings.put("nightshift.signing.key", TestSigningKey.KEY);
        settings.put("logging.include-application-name", false);
        report = Services.run(ReportApplication.builder(), settings, 0);
        ingest = Services.run(IngestApplication.builder(), settings, 0);
    }

    @AfterAll
    static void stopAll() {
        if (ingest != null) {
            ingest.close();
        }
        if (report != null) {
            report.close();
        }
        if (todoist != null) {
            todoist.stop();
        }
    }

    @AfterEach
    void stopDispatchers() throws Exception {
        for (DispatchProcess d : dispatchers) {
            d.close();
        }
    }

    @Test
    void aStoppingDispatcherLetsARunFinishWithinItsShutdownWait() throws Exception {
        DispatchProcess stopping = dispatcher("finish-a", Map.of("nightshift.dispatch.shutdown-wait", "30s")).awaitAssigned();
        String task = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(task, PROJECT, "Finish " + task + " scenario:sleep:6"), "d-" + task);
        await().atMost(Duration.ofSeconds(30)).until(() -> stopping.agentsStarted().stream().anyMatch(p -> p.contains(task)));
        stopping.stop(); // SIGTERM while the agent works: no other dispatcher could finish it for it

        awaitComment(task, "Done. Ready for review.");
        assertThat(runEvents(task).stream().filter(r -> r.getBody() instanceof RunStarted)).hasSize(1);
        assertThat(finished(task).getOutcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(stopping.log()).contains("Waiting up to 30s for 1 run in progress").doesNotContain("handed over 1 run(s)");
    }

    @Test
    void aStoppingDispatcherHandsOverARunThatOutlastsItsShutdownWait() throws Exception {
        // both in the group first, so the stop follows the agent's start closely however slow a start-up is
        DispatchProcess a = dispatcher("handover-a", Map.of("nightshift.dispatch.shutdown-wait", "2s")).awaitAssigned();
        DispatchProcess b = dispatcher("handover-b", Map.of("nightshift.dispatch.shutdown-wait", "2s")).awaitAssigned();
        String task = newTaskId();
        String body = TodoistWebhooks.itemAdded(task, PROJECT, "Hand over " + task + " scenario:sleep:20");
        assertPublished(body, "d-" + task);
        await().atMost(Duration.ofSeconds(30)).until(() -> startedHere(a, task) || startedHere(b, task));
        DispatchProcess stopping = startedHere(a, task) ? a : b;
        DispatchProcess next = stopping == a ? b : a;
        Instant stopped = Instant.now();
        stopping.stop();

        awaitComment(task, "Done. Ready for review.");
        List<RunEvent> runs = runEvents(task);
        List<RunEvent> starts = runs.stream().filter(r -> r.getBody() instanceof RunStarted).toList();
        assertThat(starts).extracting(RunEvent::getAttempt).containsExactly(1, 2);
        // released, not left to expire: taken over well before a lease (15 s) would have run out
        assertThat(Duration.between(stopped, starts.get(1).getOccurredAt())).isLessThan(Duration.ofSeconds(12));
        assertThat(next.agentsStarted().stream().filter(p -> p.contains(task))).hasSize(1);
        assertThat(runs.stream().map(RunEvent::getBody).filter(RunFinished.class::isInstance).map(RunFinished.class::cast))
                .extracting(RunFinished::getOutcome).containsExactly(Outcome.FAILED, Outcome.SUCCEEDED);
        assertThat(comments(task).stream().filter(c -> c.startsWith("Done."))).hasSize(1);
    }

    @Test
    void chaos() throws Exception {
        List<DispatchProcess> started = List.of(dispatcher("chaos-a", Map.of()), dispatcher("chaos-b", Map.of()),
                dispatcher("chaos-c", Map.of()));
        for (DispatchProcess d : started) {
            d.awaitAssigned();
        }
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String task = newTaskId();
            tasks.add(task);
            // the kill below comes within a second of the victim's third agent start: its runs are still going
            String body = TodoistWebhooks.itemAdded(task, PROJECT, "Task " + i + " scenario:sleep:6");
            assertPublished(body, "first-" + task);
            assertDuplicate(body, "second-" + task);
        }
        // each task's event twice on nightshift.tasks, as dispatch's own dedupe must take it
        Map<String, Object> published = new HashMap<>();
        TopicReader.readAll(Topics.TASKS).forEach(r -> published.putIfAbsent(r.key(), r.value()));
        TopicWriter.sendAll(Topics.TASKS, tasks.stream().map(t -> Map.entry("todoist:" + t, published.get("todoist:" + t))).toList());
        DispatchProcess victim = started.get(1);
        await().atMost(Duration.ofSeconds(60)).until(() -> victim.agentsStarted().size() >= 3);
        List<String> runningAtTheKill = victim.agentsStarted();
        Instant killed = Instant.now();
        victim.kill();
        DispatchProcess late = dispatcher("chaos-d", Map.of());

        try {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> tasks.stream().allMatch(t -> comments(t).stream().anyMatch(c -> c.startsWith("Done."))));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // say what is missing: the comments and run events of each task without its done comment
            StringBuilder missing = new StringBuilder();
            tasks.stream().filter(t -> comments(t).stream().noneMatch(c -> c.startsWith("Done."))).forEach(t -> missing.append(t)
                    .append(": comments ").append(comments(t)).append("; runs ")
                    .append(runEvents(t).stream().map(r -> r.getAttempt() + " " + r.getBody().getClass().getSimpleName()).toList()).append('\n'));
            throw new AssertionError("no done comment within 240 s of the kill for:\n" + missing, e);
        }
        Thread.sleep(3000);

        Map<String, List<String>> startsByInstance = new HashMap<>();
        for (DispatchProcess d : dispatchers) {
            startsByInstance.put(d.name, d.agentsStarted());
        }
        List<RunEvent> runs = TopicReader.readAll(Topics.RUNS).stream().map(r -> (RunEvent) r.value()).toList();
        for (String task : tasks) {
            List<RunEvent> ofTask = runs.stream().filter(r -> r.getTaskKey().equals("todoist:" + task)).toList();
            assertThat(ofTask.stream().filter(r -> r.getBody() instanceof RunFinished f && f.getOutcome() == Outcome.SUCCEEDED))
                    .as("succeeded runs of %s", task).hasSize(1);
            Map<String, Long> starts = startsByInstance.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                    e -> e.getValue().stream().filter(p -> p.contains("Task " + tasks.indexOf(task) + " ")).count()));
            long total = starts.values().stream().mapToLong(Long::longValue).sum();
            long elsewhere = total - starts.getOrDefault(victim.name, 0L);
            assertThat(total).as("agent starts of %s: %s", task, starts).isBetween(1L, 2L);
            assertThat(elsewhere).as("agent starts of %s outside the killed instance: %s", task, starts).isLessThanOrEqualTo(1);
            assertThat(starts.getOrDefault(victim.name, 0L)).as("agent starts of %s on the killed instance", task).isLessThanOrEqualTo(1);
            List<RunEvent> startedRuns = ofTask.stream().filter(r -> r.getBody() instanceof RunStarted).toList();
            if (total == 2) {
                // the run on the killed instance was taken over, as the next attempt, within 30 s of the kill
                assertThat(startedRuns).extracting(RunEvent::getAttempt).containsExactly(1, 2);
                assertThat(Duration.between(killed, startedRuns.get(1).getOccurredAt())).isLessThan(Duration.ofSeconds(30));
            }
            assertThat(comments(task).stream().filter(c -> c.startsWith("Done."))).as("done comments of %s", task).hasSize(1);
        }
        // the kill hit runs going on: each was taken over as attempt 2 (checked above); none ran twice otherwise
        long takenOver = tasks.stream().filter(t -> startsByInstance.values().stream().mapToLong(
                starts -> starts.stream().filter(p -> p.contains("Task " + tasks.indexOf(t) + " ")).count()).sum() == 2).count();
        assertThat(takenOver).as("runs taken over after the kill (the victim had started %s)", runningAtTheKill.size()).isPositive();
        assertThat(startsByInstance.entrySet().stream().filter(e -> !e.getValue().isEmpty()).count())
                .as("instances that ran agents: %s", startsByInstance.keySet()).isGreaterThanOrEqualTo(3);
        assertThat(late.alive()).isTrue();
    }

    private DispatchProcess dispatcher(String name, Map<String, ?> extra) throws Exception {
        DispatchProcess d = DispatchProcess.start(name, dir, agent, extra);
        dispatchers.add(d);
        return d;
    }

    private static void assertPublished(String body, String deliveryId) throws Exception {
        HttpResponse<String> r = TodoistWebhooks.send("http://127.0.0.1:" + ingest.getEnvironment().getRequiredProperty("local.server.port")
                + "/webhooks/todoist", body, SECRET, deliveryId);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"published\"");
    }

    private static void assertDuplicate(String body, String deliveryId) throws Exception {
        HttpResponse<String> r = TodoistWebhooks.send("http://127.0.0.1:" + ingest.getEnvironment().getRequiredProperty("local.server.port")
                + "/webhooks/todoist", body, SECRET, deliveryId);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"duplicate\"");
    }

    private static boolean startedHere(DispatchProcess d, String task) throws IOException {
        return d.agentsStarted().stream().anyMatch(p -> p.contains(task));
    }

    private static String newTaskId() {
        return "C" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
    }

    private static List<RunEvent> runEvents(String task) {
        return TopicReader.valuesFor(Topics.RUNS, "todoist:" + task).stream().map(RunEvent.class::cast).toList();
    }

    private static RunFinished finished(String task) {
        return runEvents(task).stream().map(RunEvent::getBody).filter(RunFinished.class::isInstance).map(RunFinished.class::cast)
                .reduce((a, b) -> b).orElse(null);
    }

    private static void awaitComment(String task, String start) {
        await().atMost(Duration.ofSeconds(60)).until(() -> comments(task).stream().anyMatch(c -> c.startsWith(start)));
    }

    private static List<LoggedRequest> requestsFor(String task) {
        return todoist.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .filter(r -> r.getUrl().endsWith("/tasks/" + task) || r.getBodyAsString().contains("\"task_id\":\"" + task + "\""))
                .sorted((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()))
                .toList();
    }

    private static List<String> comments(String task) {
        return requestsFor(task).stream().filter(r -> r.getUrl().equals("/api/v1/comments"))
                .map(EndToEndTest::text)
                .toList();
    }
}
