package dev.nightshift.standalone;

import static dev.nightshift.standalone.RunningNightshift.API_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /api/tasks} and {@code GET /api/tasks/{key}} on the running services, through to a run. */
class TaskApiTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void aTaskIsPublishedOncePerIdempotencyKeyRunsAndItsLedgerStateIsAnswered() throws Exception {
        String key = "nightly-report-" + UUID.randomUUID();
        String body = """
                {"worker":"writer","title":"Summarise the week","body":"Use the changelog.","idempotencyKey":"%s"}""".formatted(key);
        HttpResponse<String> first = post(body, "Bearer " + API_TOKEN);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(first.headers().firstValue("Location")).hasValue("/api/tasks/api:" + key);
        assertThat(json(first).path("result").asString()).isEqualTo("published");
        assertThat(json(first).path("taskKey").asString()).isEqualTo("api:" + key);

        HttpResponse<String> again = post(body, "Bearer " + API_TOKEN);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).path("result").asString()).isEqualTo("duplicate");

        List<TaskEvent> events = published("api:" + key);
        assertThat(events).hasSize(1);
        TaskEvent event = events.getFirst();
        assertThat(event.getTask().getSource()).isEqualTo(Source.API);
        assertThat(event.getTask().getTitle()).isEqualTo("Summarise the week");
        assertThat(((TaskRequested) event.getBody()).getWorker().getName()).isEqualTo("writer");
        assertThat(Prompts.normalized(((TaskRequested) event.getBody()).getPrompt())).isEqualTo(Prompts.data("title", "Summarise the week") + "\n"
                + Prompts.data("description", "Use the changelog.") + "\n" + Prompts.note("a request to the task API"));

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            HttpResponse<String> status = get("api:" + key, "Bearer " + API_TOKEN);
            return status.statusCode() == 200 && json(status).path("versions").path(0).path("state").asString().equals("SUCCEEDED");
        });
        JsonNode version = json(get("api:" + key, "Bearer " + API_TOKEN)).path("versions").path(0);
        assertThat(version.path("version").asString()).isEqualTo("request");
        assertThat(version.path("attempt").asInt()).isEqualTo(1);
        assertThat(version.path("runId").asString()).isNotBlank();
    }

    @Test
    void withoutAnIdempotencyKeyEachRequestIsItsOwnTask() throws Exception {
        String body = "{\"worker\":\"writer\",\"title\":\"Once more\"}";
        String a = json(post(body, "Bearer " + API_TOKEN)).path("taskKey").asString();
        String b = json(post(body, "Bearer " + API_TOKEN)).path("taskKey").asString();
        assertThat(a).startsWith("api:").isNotEqualTo(b);
    }

    @Test
    void aTaskOfAnotherSourceIsAnsweredFromTheLedgerAndAnUnknownOneIs404() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> added = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "From Todoist"), RunningNightshift.CLIENT_SECRET, "d-" + taskId);
        assertThat(added.body()).contains("\"result\":\"published\"");
        HttpResponse<String> status = get("todoist:" + taskId, "Bearer " + API_TOKEN);
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        assertThat(json(status).path("versions").path(0).path("version").asString()).isEqualTo("added");

        HttpResponse<String> unknown = get("todoist:never-" + taskId, "Bearer " + API_TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown_task");
    }

    @Test
    void badRequestsAreRefusedNamingTheFieldAndPublishNothing() throws Exception {
        String key = "refused-" + UUID.randomUUID();
        String good = "{\"worker\":\"writer\",\"title\":\"T\",\"idempotencyKey\":\"" + key + "\"}";
        assertThat(post(good, null).statusCode()).isEqualTo(401);
        assertThat(post(good, "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(post(good, API_TOKEN).statusCode()).isEqualTo(401);
        assertThat(get("api:" + key, "Bearer wrong").statusCode()).isEqualTo(401);

        assertRefused(good.replace("\"writer\"", "\"nobody\""), 400, "worker: no worker is called 'nobody'");
        assertRefused(good.replace("\"title\":\"T\"", "\"title\":\" \""), 400, "title: must not be blank");
        assertRefused(good.replace("\"title\"", "\"titel\""), 400, "titel");
        assertRefused(good.replace(key, "no spaces allowed"), 400, "idempotencyKey: must be 1 to 100 letters");
        assertRefused("[1,2", 400, "body is not a task");
        assertRefused("{\"worker\":\"writer\",\"title\":\"" + "x".repeat(1_100_000) + "\"}", 413, "max-body-bytes");
        assertThat(published("api:" + key)).isEmpty();
        assertThat(published("api:no spaces allowed")).isEmpty();
    }

    private static void assertRefused(String body, int status, String message) throws Exception {
        HttpResponse<String> r = post(body, "Bearer " + API_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(message);
    }

    private static HttpResponse<String> post(String body, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + "/api/tasks"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String taskKey, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/api/tasks/" + taskKey)).header("Authorization", authorization).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String base() {
        return "http://127.0.0.1:" + nightshift.services.ingestPort();
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    private static List<TaskEvent> published(String taskKey) {
        return TopicReader.valuesFor(Topics.TASKS, taskKey).stream().map(TaskEvent.class::cast).toList();
    }
}
