package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestApplication;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/** The door: what ingest answers to each kind of delivery, and what it publishes (on the real broker). */
@Timeout(120)
class IngestWebhookTest {

    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void aWrongSignatureIs401AndPublishesNothing() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Write something");
        double before = webhookCount("bad_signature");

        HttpResponse<String> wrongSecret = TodoistWebhooks.send(nightshift.webhookUrl(), body, "not-the-secret", "d-" + taskId);
        HttpResponse<String> missing = TodoistWebhooks.sendSigned(nightshift.webhookUrl(), body, null, "d2-" + taskId);

        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(wrongSecret.body()).contains("X-Todoist-Hmac-SHA256");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(webhookCount("bad_signature")).isEqualTo(before + 2);
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void otherEventsAre200AndPublishNothing() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.event("item:updated", taskId, RunningNightshift.PROJECT_ID, "Renamed"),
                RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"ignored\"").contains("item:updated");
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void aCompletedOrDeletedTaskIsPublishedAsACancellation() throws Exception {
        for (String event : List.of("item:completed", "item:deleted")) {
            String taskId = EndToEndTest.newTaskId();
            HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                    TodoistWebhooks.event(event, taskId, RunningNightshift.PROJECT_ID, "Done by hand"), RunningNightshift.CLIENT_SECRET, "c-" + taskId);

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"result\":\"published\"");
            List<TaskEvent> published = published(taskId);
            assertThat(published).hasSize(1);
            assertThat(published.getFirst().getBody()).isInstanceOfSatisfying(TaskCancelled.class, c -> {
                assertThat(c.getReason()).isEqualTo(event.equals("item:completed")
                        ? "the task was completed in Todoist" : "the task was deleted in Todoist");
                assertThat(c.getTaskVersion()).isNull();
            });
        }
    }

    @Test
    void aProjectNoWorkerNamesIs200AndPublishesNothing() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, "6Jf8VQGroceries", "Buy milk"), RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"ignored\"");
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void aProjectNamedByNameIsRoutedAndTheEventCarriesTheResolvedWorker() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.NAMED_PROJECT_ID, "Post about KRaft"),
                RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).isEqualTo(200);
        List<TaskEvent> events = published(taskId);
        assertThat(events).hasSize(1);
        TaskEvent event = events.getFirst();
        assertThat(event.getTaskKey()).isEqualTo("todoist:" + taskId);
        assertThat(event.getTask().getSource()).isEqualTo(Source.TODOIST);
        assertThat(event.getTask().getSourceId()).isEqualTo(taskId);
        assertThat(event.getTask().getTitle()).isEqualTo("Post about KRaft");
        TaskRequested requested = (TaskRequested) event.getBody();
        assertThat(Prompts.normalized(requested.getPrompt())).isEqualTo(Prompts.data("title", "Post about KRaft") + "\n" + Prompts.note("Todoist"));
        assertThat(requested.getWorker().getName()).isEqualTo("named");
        assertThat(requested.getWorker().getAgent().getAdapter()).isEqualTo("claude");
        assertThat(requested.getWorker().getBudget().getWallTimeMillis()).isEqualTo(5000);
        assertThat(requested.getWorker().getOutputs().getSinks()).singleElement()
                .isInstanceOfSatisfying(TodoistOutput.class, t -> assertThat(t.getDoneLabel()).isEqualTo("agent-done"));
        assertThat(requested.getWorker().getOutputs().getTodoist().getDoneLabel()).as("for readers older than sinks").isEqualTo("agent-done");
        assertThat(event.getTask().getLabels()).containsExactly("writing");
        assertThat(event.getTask().getReference()).isEqualTo(TodoistTask.newBuilder().setId(taskId).setProjectId(RunningNightshift.NAMED_PROJECT_ID).build());
        assertThat(nightshift.todoist.findAll(getRequestedFor(urlEqualTo("/api/v1/projects/" + RunningNightshift.NAMED_PROJECT_ID))))
                .isNotEmpty()
                .allSatisfy(req -> assertThat(req.getHeader("Authorization")).isEqualTo("Bearer ingest-token"));
    }

    @Test
    void aProjectTheTokensUserCannotSeeIs200AndPublishesNothing() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        double before = webhookCount("ignored");

        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.INVISIBLE_PROJECT_ID, "Someone else's task"),
                RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"ignored\"").contains(RunningNightshift.INVISIBLE_PROJECT_ID);
        assertThat(webhookCount("ignored")).isEqualTo(before + 1);
        assertThat(published(taskId)).isEmpty();
    }

    /** A look-up that fails for a reason of Todoist's own may hide a task a worker wants: Todoist retries it. */
    @Test
    void aProjectThatCannotBeLookedUpIs503SoTodoistRetries() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.UNREADABLE_PROJECT_ID, "Anything"), RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void aProjectLookupThatHangsIs503WithinSeconds() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        long start = System.nanoTime();
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.SLOW_PROJECT_ID, "Anything"), RunningNightshift.CLIENT_SECRET, "d-" + taskId);

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void aRedeliveryIsAnsweredWithoutPublishingAgain() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Once only");
        HttpResponse<String> first = TodoistWebhooks.send(nightshift.webhookUrl(), body, RunningNightshift.CLIENT_SECRET, "same-" + taskId);
        HttpResponse<String> again = TodoistWebhooks.send(nightshift.webhookUrl(), body, RunningNightshift.CLIENT_SECRET, "same-" + taskId);

        assertThat(first.body()).contains("\"result\":\"published\"");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"result\":\"duplicate\"");
        assertThat(published(taskId)).hasSize(1);
    }

    @Test
    void aMalformedBodyIs400AndPublishesNothing() throws Exception {
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(), "{\"event_name\": ", RunningNightshift.CLIENT_SECRET, "bad-json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("malformed");

        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> noProject = TodoistWebhooks.send(nightshift.webhookUrl(),
                "{\"event_name\":\"item:added\",\"event_data\":{\"id\":\"" + taskId + "\",\"content\":\"x\"}}",
                RunningNightshift.CLIENT_SECRET, "no-project");
        assertThat(noProject.statusCode()).isEqualTo(400);
        assertThat(noProject.body()).contains("event_data.project_id");
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void anotherMethodThanPostIs405NamingPostAndPublishesNothing() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Write something");
        HttpClient http = HttpClient.newHttpClient();
        for (String method : new String[] {"GET", "PUT", "DELETE"}) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(nightshift.webhookUrl()))
                    .header("Content-Type", "application/json")
                    .header("X-Todoist-Hmac-SHA256", TodoistSignature.sign(body.getBytes(StandardCharsets.UTF_8), RunningNightshift.CLIENT_SECRET))
                    .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString(body) : HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).as(method).hasValue("POST");
        }
        assertThat(published(taskId)).isEmpty();
    }

    @Test
    void aHugeBodyIs413() throws Exception {
        String huge = TodoistWebhooks.itemAdded(EndToEndTest.newTaskId(), RunningNightshift.PROJECT_ID, "x".repeat(1_100_000));
        HttpResponse<String> r = TodoistWebhooks.send(nightshift.webhookUrl(), huge, RunningNightshift.CLIENT_SECRET, "huge");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("nightshift.ingest.max-body-bytes");
    }

    @Test
    void kafkaUnreachableIs503WithinSecondsAndTheSenderCanRetry() throws Exception {
        int deadPort = SharedInfrastructure.freePort();
        try (ConfigurableApplicationContext ingest = IngestApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:" + deadPort,
                "--spring.kafka.admin.auto-create=false",
                "--nightshift.registry-url=" + SharedInfrastructure.get().registryUrl(),
                "--nightshift.ingest.workers-file=" + nightshift.catalogue,
                "--nightshift.ingest.todoist.client-secret=" + RunningNightshift.CLIENT_SECRET,
                "--nightshift.ingest.github.webhook-secret=" + RunningNightshift.GITHUB_SECRET,
                "--nightshift.ingest.linear.webhook-secret=" + RunningNightshift.LINEAR_SECRET,
                "--nightshift.signing.key=" + TestSigningKey.KEY,
                "--logging.include-application-name=false")) {
            String url = "http://127.0.0.1:" + ingest.getEnvironment().getProperty("local.server.port") + "/webhooks/todoist";
            String taskId = EndToEndTest.newTaskId();
            long start = System.nanoTime();
            HttpResponse<String> r = TodoistWebhooks.send(url, TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Anything"),
                    RunningNightshift.CLIENT_SECRET, "d-" + taskId);

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(published(taskId)).isEmpty();

            // the same delivery, retried once Kafka is back (here: the shared ingest), is accepted
            HttpResponse<String> retry = TodoistWebhooks.send(nightshift.webhookUrl(),
                    TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Anything"), RunningNightshift.CLIENT_SECRET, "d-" + taskId);
            assertThat(retry.body()).contains("\"result\":\"published\"");
        }
    }

    private static List<TaskEvent> published(String taskId) {
        return TopicReader.valuesFor(Topics.TASKS, "todoist:" + taskId).stream().map(TaskEvent.class::cast).toList();
    }

    /** Reads the counter from ingest's Prometheus endpoint, as an operator would. */
    private static double webhookCount(String result) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + nightshift.services.ingestPort() + "/actuator/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return text.lines()
                .filter(l -> l.startsWith("nightshift_ingest_webhooks_total{") && l.contains("result=\"" + result + "\"") && l.contains("source=\"todoist\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
