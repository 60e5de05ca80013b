package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.dispatch.sandbox.RunCgroups;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Topics;
import dev.nightshift.report.sink.SinkListeners;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The walking skeleton: a signed Todoist webhook becomes a task event, a sandboxed (stand-in) Claude
 * Code run, run events, and comments and a label on the (stand-in) Todoist, on a real broker and registry.
 */
@Timeout(120)
class EndToEndTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void aTaskIsDoneAndComesBackAsACommentAndALabel() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Write a post about Kafka at night"));

        List<LoggedRequest> requests = awaitRequests(taskId, 4);
        assertThat(requests).extracting(r -> r.getMethod() + " " + r.getUrl()).containsExactly(
                "POST /api/v1/comments",
                "POST /api/v1/comments",
                "GET /api/v1/tasks/" + taskId,
                "POST /api/v1/tasks/" + taskId);
        assertThat(json(requests.get(0)).path("task_id").asString()).isEqualTo(taskId);
        assertThat(text(requests.get(0))).isEqualTo("Working on it (attempt 1/1).");
        assertThat(text(requests.get(1)))
                .isEqualTo("Done. Ready for review.\n\nDrafted the post in draft.md (working directory /workspace, draft exists: yes).");
        assertThat(json(requests.get(3))).isEqualTo(JSON.readTree("{\"labels\":[\"writing\",\"agent-done\"]}"));
        assertThat(requests).allSatisfy(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer report-token"));

        List<RunEvent> runs = runEvents(taskId);
        assertThat(runs).extracting(r -> r.getBody().getClass().getSimpleName())
                .containsExactly("RunStarted", "RunProgress", "RunProgress", "RunFinished");
        assertThat(runs).extracting(RunEvent::getRunId).containsOnly(runs.getFirst().getRunId());
        assertThat(((RunStarted) runs.getFirst().getBody()).getModel()).isEqualTo("sonnet");
        assertThat(runs.subList(1, 3)).extracting(r -> ((RunProgress) r.getBody()).getLine())
                .containsExactly("Reading CLAUDE.md", "Writing draft.md");
        RunFinished finished = (RunFinished) runs.getLast().getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(finished.getCostUsd()).isEqualTo(0.0312);
        assertThat(finished.getInputTokens()).isEqualTo(12L);
        assertThat(finished.getOutputTokens()).isEqualTo(60L);
        assertThat(finished.getTurns()).isEqualTo(3);
        assertThat(finished.getExitCode()).isZero();
        // what the agent wrote comes back (read inside its sandbox: the workspace is a tmpfs there); the
        // template's CLAUDE.md, copied in before it started, is not the agent's
        assertThat(finished.getFiles()).extracting(f -> f.getName() + " " + f.getSizeBytes() + " " + f.getContent())
                .containsExactly("draft.md 30 Draft for a person to review.\n");
        assertThat(runs.getFirst().getWorker()).isEqualTo("writer");
        assertThat(metrics(nightshift.services.dispatchPort()))
                .anyMatch(l -> l.startsWith("nightshift_dispatch_runs_seconds_count{adapter=\"claude\",outcome=\"succeeded\",worker=\"writer\"}"));
        assertThat(metrics(nightshift.services.reportPort()))
                .anyMatch(l -> l.startsWith("nightshift_report_writes_total{kind=\"RunFinished\",sink=\"todoist\"}"));
    }

    @Test
    void theDraftTheAgentWroteIsFiledInAirtableBesideTheTodoistComments() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.DRAFTS_PROJECT_ID, "A post about Kafka at night"));

        await().atMost(Duration.ofSeconds(60)).until(() -> !airtableRecords(taskId).isEmpty());
        RunEvent finished = runEvents(taskId).getLast();
        List<JsonNode> records = airtableRecords(taskId);
        assertThat(records).hasSize(1);
        assertThat(records.getFirst()).isEqualTo(JSON.readTree("""
                {"fields":{"Title":"A post about Kafka at night","Body":"Draft for a person to review.\\n","Status":"Draft",
                "Task":"todoist:%s","Nightshift run":"%s"}}""".formatted(taskId, finished.getRunId())));
        assertThat(awaitRequests(taskId, 2)).extracting(r -> r.getMethod() + " " + r.getUrl())
                .containsExactly("POST /api/v1/comments", "POST /api/v1/comments");
    }

    /** The records report upserted into the stand-in Airtable for this task. */
    private static List<JsonNode> airtableRecords(String taskId) {
        return nightshift.todoist.findAll(WireMock.patchRequestedFor(WireMock.urlEqualTo(RunningNightshift.AIRTABLE_DRAFTS))).stream()
                .flatMap(r -> JSON.readTree(r.getBodyAsString()).path("records").valueStream())
                .filter(record -> record.path("fields").path("Task").asString("").equals("todoist:" + taskId))
                .toList();
    }

    private static List<String> metrics(int port) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body().lines().toList();
    }

    @Test
    void aFailingAgentIsReportedWithItsReason() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "scenario:fail write something"));

        List<LoggedRequest> requests = awaitRequests(taskId, 2);
        assertThat(requests).extracting(r -> r.getMethod() + " " + r.getUrl())
                .containsExactly("POST /api/v1/comments", "POST /api/v1/comments");
        assertThat(text(requests.get(1))).isEqualTo("Failed (attempt 1/1): the agent reported an error (exit code 1): API Error: 529 overloaded");

        RunFinished finished = (RunFinished) runEvents(taskId).getLast().getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(finished.getExitCode()).isEqualTo(1);
    }

    @Test
    void aHangingAgentIsStoppedAtItsBudgetAndLeavesNothingBehind() throws Exception {
        String taskId = newTaskId();
        long start = System.nanoTime();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "scenario:hang forever"));

        List<LoggedRequest> requests = awaitRequests(taskId, 2);
        assertThat(requests).extracting(r -> r.getMethod() + " " + r.getUrl())
                .containsExactly("POST /api/v1/comments", "POST /api/v1/comments");
        assertThat(text(requests.get(1))).isEqualTo("Timed out (attempt 1/1): no result within the wall-time budget of PT5S; the agent was stopped");

        RunFinished finished = (RunFinished) runEvents(taskId).getLast().getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(finished.getExitCode()).isNull();
        assertThat(Duration.ofMillis(finished.getDurationMillis())).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(8));
        // the stand-in's "sleep 987654 &" child and its "sleep 987655" are gone
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains("98765")))
                .isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aTaskDeletedWhileItsAgentWorksIsStoppedWithinSecondsAndReportedCancelledWithoutAnotherAttempt() throws Exception {
        String taskId = newTaskId();
        // a sleep of its own, found among the host's processes by its length
        String marker = "3" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000) + ".25";
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PATIENT_PROJECT_ID, "Work scenario:sleep:" + marker));
        await().atMost(Duration.ofSeconds(30)).until(() -> sleeping(marker) && runEvents(taskId).stream().anyMatch(e -> e.getBody() instanceof RunStarted));

        long cancelled = System.currentTimeMillis();
        HttpResponse<String> deleted = TodoistWebhooks.send(RunningNightshift.get().webhookUrl(),
                TodoistWebhooks.event("item:deleted", taskId, RunningNightshift.PATIENT_PROJECT_ID, "Work"), RunningNightshift.CLIENT_SECRET,
                UUID.randomUUID().toString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> runEvents(taskId).getLast().getBody() instanceof RunFinished);

        RunEvent last = runEvents(taskId).getLast();
        RunFinished finished = (RunFinished) last.getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(finished.getReason()).isEqualTo("the task was deleted in Todoist");
        assertThat(finished.getFinalAttempt()).as("a cancelled version gets no further attempt, though its worker allows two").isTrue();
        assertThat(last.getOccurredAt().toEpochMilli() - cancelled).isLessThan(5000);
        assertThat(sleeping(marker)).as("the agent's processes are gone").isFalse();

        List<LoggedRequest> requests = awaitRequests(taskId, 2);
        assertThat(requests).extracting(r -> r.getMethod() + " " + r.getUrl())
                .as("two comments, and no label or state for a deleted task").containsExactly("POST /api/v1/comments", "POST /api/v1/comments");
        assertThat(text(requests.get(1))).isEqualTo("Cancelled: the task was deleted in Todoist");
        assertThat(runEvents(taskId).stream().filter(e -> e.getBody() instanceof RunStarted)).hasSize(1);
    }

    private static boolean sleeping(String marker) {
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).anyMatch(c -> c.contains("sleep " + marker));
    }

    @Test
    void anAgentWhoseStreamCostsMoreThanItsBudgetIsStoppedOverBudget() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "scenario:spend all of it"));

        List<LoggedRequest> requests = awaitRequests(taskId, 2);

        RunFinished finished = (RunFinished) runEvents(taskId).getLast().getBody();
        assertThat(finished.getOutcome()).isEqualTo(Outcome.OVER_BUDGET);
        // $0.30 per message on Sonnet 4.5, a $0.50 budget: the second message crosses it, the run never ends on its own
        assertThat(finished.getCostUsd()).isCloseTo(0.60, within(0.001));
        assertThat(finished.getReason()).contains("$0.6000 of its $0.50 budget");
        assertThat(Duration.ofMillis(finished.getDurationMillis())).isLessThan(Duration.ofSeconds(4));
        assertThat(text(requests.get(1))).startsWith("Stopped at its budget (attempt 1/1): stopped by dispatch");
        assertThat(ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains("987653")))
                .isEmpty();
    }

    @Test
    void theAgentReachesNeitherTheBrokerNorTheRegistryDirectlyOrThroughItsProxy() throws Exception {
        SharedInfrastructure infra = SharedInfrastructure.get();
        String broker = infra.bootstrapServers().split(",")[0];
        String registry = URI.create(infra.registryUrl()).getAuthority();
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "scenario:probe:" + broker + "," + registry + " please"));

        awaitRequests(taskId, 4);

        RunFinished finished = (RunFinished) runEvents(taskId).getLast().getBody();
        // curl's exit codes: 7 could not connect (the sandbox has no route to the host), 56 the proxy refused the CONNECT;
        // reachable, the registry would give 0 and the broker 52 (no HTTP reply)
        assertThat(finished.getSummary()).isEqualTo("probed: " + broker + " direct=7 proxied=56; " + registry + " direct=7 proxied=56;");
    }

    @Test
    void aFailingRunIsRetriedThenLabelledFailed() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.RETRY_PROJECT_ID, "scenario:fail twice"));

        List<LoggedRequest> requests = awaitRequests(taskId, 6);
        assertThat(requests).extracting(r -> r.getMethod() + " " + r.getUrl()).containsExactly(
                "POST /api/v1/comments", "POST /api/v1/comments", "POST /api/v1/comments", "POST /api/v1/comments",
                "GET /api/v1/tasks/" + taskId, "POST /api/v1/tasks/" + taskId);
        assertThat(requests.subList(0, 4)).extracting(EndToEndTest::text).containsExactly(
                "Working on it (attempt 1/2).",
                "Failed (attempt 1/2): the agent reported an error (exit code 1): API Error: 529 overloaded",
                "Working on it (attempt 2/2).",
                "Failed (attempt 2/2): the agent reported an error (exit code 1): API Error: 529 overloaded");
        assertThat(json(requests.get(5))).isEqualTo(JSON.readTree("{\"labels\":[\"writing\",\"agent-failed\"]}"));

        List<RunEvent> runs = runEvents(taskId);
        assertThat(runs).extracting(r -> r.getAttempt() + " " + r.getBody().getClass().getSimpleName()).containsExactly(
                "1 RunStarted", "1 RunProgress", "1 RunFinished", "2 RunStarted", "2 RunProgress", "2 RunFinished");
        assertThat(runs.get(0).getRunId()).isNotEqualTo(runs.get(3).getRunId());
        // two different runs: Todoist's request ids differ, so the second attempt's comments are not dropped as repeats
        assertThat(requests.get(0).getHeader("X-Request-Id")).isNotEqualTo(requests.get(2).getHeader("X-Request-Id"));
    }

    @Test
    void nothingOfARunIsLeftAfterIt() throws Exception {
        String taskId = newTaskId();
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Write a haiku"));
        awaitRequests(taskId, 4);
        String runId = runEvents(taskId).getFirst().getRunId();
        assertThat(nightshift.workspaces.resolve(runId)).doesNotExist();
        // no process of it is left in any run cgroup (dispatch runs in this JVM, so in the groups named after this
        // process: another test JVM's dispatcher keeps its own beside them); the emptied groups themselves are kept for
        // later runs (other tests' runs share them, so: until every one is empty)
        String ours = "p" + ProcessHandle.current().pid() + "-";
        RunCgroups.forThisProcess().ifPresent(cgroups -> await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (Path controller : List.of(cgroups.memory(), cgroups.pids())) {
                try (Stream<Path> groups = Files.list(controller)) {
                    for (Path group : groups.filter(Files::isDirectory).filter(g -> g.getFileName().toString().startsWith(ours)).toList()) {
                        assertThat(Files.readAllLines(group.resolve("cgroup.procs"))).as("processes in %s", group).isEmpty();
                    }
                }
            }
        }));
    }

    @Test
    void aReportTodoistRefusesIsParkedOnTheDeadLetterTopicWithTheReason() throws Exception {
        String taskId = RunningNightshift.DELETED_TASK_ID;
        assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Write about a deleted task"));

        // refused (4xx): parked at once, not retried for minutes; both the started and the finished event
        await().atMost(Duration.ofSeconds(60)).until(() -> deadLetters("todoist:" + taskId).size() >= 2);
        ConsumerRecord<String, Object> parked = deadLetters("todoist:" + taskId).getFirst();
        assertThat(parked.value()).isInstanceOfSatisfying(RunEvent.class, r -> assertThat(r.getBody()).isInstanceOf(RunStarted.class));
        assertThat(new String(parked.headers().lastHeader("kafka_dlt-exception-message").value(), StandardCharsets.UTF_8))
                .contains("404");
        assertThat(new String(parked.headers().lastHeader("kafka_dlt-original-topic").value(), StandardCharsets.UTF_8))
                .isEqualTo(Topics.RUNS);
        assertThat(requestsFor(taskId)).hasSize(2); // one attempt each
    }

    private static List<ConsumerRecord<String, Object>> deadLetters(String key) {
        return TopicReader.readAll(SinkListeners.deadLetters("todoist")).stream().filter(r -> key.equals(r.key())).toList();
    }

    static String newTaskId() {
        return "T" + UUID.randomUUID().toString().replace("-", "").substring(0, 15);
    }

    static void assertPublished(String body) throws Exception {
        HttpResponse<String> response = TodoistWebhooks.send(RunningNightshift.get().webhookUrl(), body, RunningNightshift.CLIENT_SECRET,
                UUID.randomUUID().toString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"result\":\"published\"");
    }

    /** A comment's text without the marker every comment of Nightshift ends with (which must be there). */
    static String text(LoggedRequest comment) {
        String content = json(comment).path("content").asString();
        Matcher marked = MARKED.matcher(content);
        assertThat(marked.matches()).as("ends with Nightshift's marker: %s", content).isTrue();
        return marked.group(1);
    }

    private static final Pattern MARKED = Pattern.compile("(?s)(.*)\\n\\n" + Pattern.quote(OwnWrites.MARKER) + "<!-- \\S+ \\S+ -->");

    /** Waits for {@code count} requests about the task, then a moment more: nothing else may follow. */
    static List<LoggedRequest> awaitRequests(String taskId, int count) throws InterruptedException {
        await().atMost(Duration.ofSeconds(60)).until(() -> requestsFor(taskId).size() >= count);
        Thread.sleep(500);
        return requestsFor(taskId);
    }

    /** The stand-in Todoist's requests about one task, oldest first. */
    static List<LoggedRequest> requestsFor(String taskId) {
        return RunningNightshift.get().todoist.getAllServeEvents().stream()
                .map(ServeEvent::getRequest)
                .filter(r -> r.getUrl().endsWith("/tasks/" + taskId) || r.getBodyAsString().contains("\"task_id\":\"" + taskId + "\""))
                .sorted((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()))
                .toList();
    }

    static List<RunEvent> runEvents(String taskId) {
        return TopicReader.valuesFor(Topics.RUNS, "todoist:" + taskId).stream().map(RunEvent.class::cast).toList();
    }

    private static JsonNode json(LoggedRequest request) {
        return JSON.readTree(request.getBodyAsString());
    }
}
