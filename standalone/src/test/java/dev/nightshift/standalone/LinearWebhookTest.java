package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.nightshift.standalone.RunningNightshift.LINEAR_OWN_USER;
import static dev.nightshift.standalone.RunningNightshift.LINEAR_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.LinearWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /webhooks/linear} with deliveries in Linear's format, on the real broker, through to the run. */
@Timeout(120)
class LinearWebhookTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PERSON = "a4b5c6d7-e8f9-4a0b-8c1d-2e3f4a5b6c7d";
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void anIssueCreatedWithTheLabelIsATaskThatRuns() throws Exception {
        String id = newIdentifier();
        HttpResponse<String> r = send(LinearWebhooks.issue("create", LinearWebhooks.issueData(id, "Export does nothing", List.of("agent"), "Todo", "unstarted"),
                null, "user", PERSON, now()));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"published\"").contains("linear:" + id);
        TaskEvent event = published(id).getFirst();
        assertThat(event.getTask().getSource()).isEqualTo(Source.LINEAR);
        assertThat(event.getTask().getUrl()).isEqualTo("https://linear.app/acme/issue/" + id + "/export-does-nothing");
        assertThat(event.getTask().getReference()).isInstanceOfSatisfying(LinearIssue.class, ref -> {
            assertThat(ref.getIdentifier()).isEqualTo(id);
            assertThat(ref.getTeamId()).isEqualTo(LinearWebhooks.TEAM_ID);
            assertThat(ref.getAgentSessionId()).isNull();
        });
        TaskRequested requested = (TaskRequested) event.getBody();
        assertThat(requested.getTaskVersion()).isEqualTo("issue");
        assertThat(requested.getWorker().getName()).isEqualTo("linear-fixer");
        assertThat(Prompts.normalized(requested.getPrompt())).isEqualTo(Prompts.data("title", "Export does nothing") + "\n"
                + Prompts.data("description", "The export button does nothing on Firefox.") + "\n" + Prompts.note("Linear"));
        assertThat(requested.getWorker().getOutputs().getSinks()).containsExactly(LinearOutput.newBuilder()
                .setStartedState("In Progress").setReviewState("In Review").build());

        await().atMost(Duration.ofSeconds(60)).until(() -> runs(id).stream().anyMatch(e -> e.getBody() instanceof RunFinished));
        assertThat(runs(id).stream().map(RunEvent::getBody).filter(RunFinished.class::isInstance).map(b -> ((RunFinished) b).getOutcome()))
                .containsExactly(Outcome.SUCCEEDED);
    }

    @Test
    void theLabelAddedLaterRequestsOnceAndOtherUpdatesPublishNothing() throws Exception {
        String id = newIdentifier();
        String labelled = LinearWebhooks.issueData(id, "Slow search", List.of("agent"), "Todo", "unstarted");
        assertIgnored(send(LinearWebhooks.issue("create", LinearWebhooks.issueData(id, "Slow search", List.of(), "Todo", "unstarted"),
                null, "user", PERSON, now())), "has no worker's label");
        assertThat(send(LinearWebhooks.issue("update", labelled, "{\"labelIds\":[],\"updatedAt\":\"2026-11-21T15:20:56.000Z\"}",
                "user", PERSON, now())).body()).contains("\"result\":\"published\"");
        assertIgnored(send(LinearWebhooks.issue("update", labelled, "{\"title\":\"Search is slow\"}", "user", PERSON, now())),
                "its label was there before");

        assertThat(published(id)).extracting(e -> ((TaskRequested) e.getBody()).getTaskVersion()).containsExactly("issue");
    }

    @Test
    void completingCancellingDeletingOrUnlabelingCancels() throws Exception {
        String id = newIdentifier();
        send(LinearWebhooks.issue("update", LinearWebhooks.issueData(id, "Fix it", List.of("agent"), "Done", "completed"),
                "{\"stateId\":\"0d1a26e6-7d8f-4eaf-9f6b-a5c57fc3c7d9\"}", "user", PERSON, now()));
        send(LinearWebhooks.issue("update", LinearWebhooks.issueData(id, "Fix it", List.of(), "Todo", "unstarted"),
                "{\"labelIds\":[\"" + LinearWebhooks.LABEL_ID + "\"]}", "user", PERSON, now()));
        send(LinearWebhooks.issue("remove", LinearWebhooks.issueData(id, "Fix it", List.of("agent"), "Todo", "unstarted"), null, "user", PERSON, now()));

        assertThat(published(id)).extracting(e -> ((TaskCancelled) e.getBody()).getReason()).containsExactly(
                "the issue was moved to Done in Linear", "the label was removed in Linear", "the issue was deleted in Linear");
    }

    @Test
    void anAgentSessionIsAVersionAndAFollowUpAnotherAndStopCancels() throws Exception {
        String id = newIdentifier();
        String session = UUID.randomUUID().toString();
        HttpResponse<String> created = send(LinearWebhooks.session("created", session, id, "Export does nothing", null, now()));
        send(LinearWebhooks.session("prompted", session, id, "Export does nothing",
                LinearWebhooks.prompt("act-1", "Also check Safari", null), now()));
        send(LinearWebhooks.session("prompted", session, id, "Export does nothing", LinearWebhooks.prompt("act-2", "stop", "stop"), now()));

        assertThat(created.body()).contains("\"result\":\"published\"");
        List<TaskEvent> events = published(id);
        assertThat(events).hasSize(3);
        TaskRequested first = (TaskRequested) events.get(0).getBody();
        assertThat(first.getTaskVersion()).isEqualTo("session:" + session);
        assertThat(Prompts.normalized(first.getPrompt())).isEqualTo(Prompts.data("title", "Export does nothing") + "\n"
                + Prompts.data("description", "<issue identifier=\"" + id + "\"><title>Export does nothing</title></issue>") + "\n" + Prompts.note("Linear"));
        assertThat(((LinearIssue) events.get(0).getTask().getReference()).getAgentSessionId()).isEqualTo(session);
        TaskRequested followUp = (TaskRequested) events.get(1).getBody();
        assertThat(followUp.getTaskVersion()).isEqualTo("prompt:act-1");
        assertThat(Prompts.normalized(followUp.getPrompt())).endsWith("</issue>\n\nFollow-up:\nAlso check Safari\n</task-data-N>\n" + Prompts.note("Linear"));
        assertThat(events.get(2).getBody()).isInstanceOfSatisfying(TaskCancelled.class,
                c -> assertThat(c.getReason()).isEqualTo("stopped in the Linear agent session"));
    }

    @Test
    void anAgentSessionHearsBackWithinTenSecondsOfTheWebhookAndGetsTheResult() throws Exception {
        String id = newIdentifier();
        String session = UUID.randomUUID().toString();
        long sent = System.nanoTime();
        assertThat(send(LinearWebhooks.session("created", session, id, "Export does nothing", null, now())).body()).contains("\"result\":\"published\"");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> !activities(session).isEmpty());
        Duration firstActivity = Duration.ofNanos(System.nanoTime() - sent);
        System.out.printf("Linear agent session: first activity %d ms after the webhook%n", firstActivity.toMillis());
        assertThat(firstActivity).isLessThan(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(60)).until(() -> activities(session).stream().anyMatch(a -> a.path("type").asString().equals("response")));
        List<JsonNode> activities = activities(session);
        assertThat(activities).filteredOn(a -> a.path("type").asString().equals("thought")).extracting(a -> a.path("body").asString())
                .containsExactlyInAnyOrder("On it: linear-fixer has the task and starts shortly.", "Working on it (attempt 1/1).");
        assertThat(activities).filteredOn(a -> a.path("type").asString().equals("action"))
                .extracting(a -> a.path("action").asString() + " " + a.path("parameter").asString()).containsExactly("Writing draft.md");
        assertThat(activities.getLast().path("type").asString()).isEqualTo("response");
        assertThat(activities.getLast().path("body").asString()).startsWith("Done. Ready for review.\n\nDrafted the post in draft.md");
    }

    @Test
    void staleOrBadlySignedDeliveriesAre401AndPublishNothing() throws Exception {
        String id = newIdentifier();
        String data = LinearWebhooks.issueData(id, "Replayed", List.of("agent"), "Todo", "unstarted");

        HttpResponse<String> stale = send(LinearWebhooks.issue("create", data, null, "user", PERSON, now() - 61_000));
        HttpResponse<String> future = send(LinearWebhooks.issue("create", data, null, "user", PERSON, now() + 120_000));
        String fresh = LinearWebhooks.issue("create", data, null, "user", PERSON, now());
        HttpResponse<String> wrongSecret = LinearWebhooks.send(url(), fresh, "not-the-secret", UUID.randomUUID().toString());
        HttpResponse<String> unsigned = LinearWebhooks.sendSigned(url(), fresh, null, UUID.randomUUID().toString());

        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(stale.body()).contains("\"result\":\"stale\"").contains("nightshift.ingest.linear.max-age");
        assertThat(future.statusCode()).isEqualTo(401);
        assertThat(wrongSecret.statusCode()).isEqualTo(401);
        assertThat(wrongSecret.body()).contains("Linear-Signature");
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(send(fresh.replace("\"webhookTimestamp\"", "\"sentAt\"")).statusCode()).as("no timestamp").isEqualTo(400);
        assertThat(published(id)).isEmpty();
    }

    @Test
    void changesByNightshiftOrNotByAPersonStartNothing() throws Exception {
        String id = newIdentifier();
        String data = LinearWebhooks.issueData(id, "Ours", List.of("agent"), "Todo", "unstarted");
        assertIgnored(send(LinearWebhooks.issue("create", data, null, "user", LINEAR_OWN_USER, now())), "Nightshift or not a person");
        assertIgnored(send(LinearWebhooks.issue("create", data, null, "integration", "b1c2d3e4-0000-4000-8000-000000000000", now())),
                "Nightshift or not a person");
        assertIgnored(send(LinearWebhooks.issue("create", data.replace(LinearWebhooks.TEAM_ID, "00000000-0000-4000-8000-000000000000")
                .replace("\"key\":\"ENG\"", "\"key\":\"OPS\""), null, "user", PERSON, now())), "no worker for Linear team OPS");
        assertThat(published(id)).isEmpty();
    }

    @Test
    void aRedeliveryIsADuplicate() throws Exception {
        String id = newIdentifier();
        String body = LinearWebhooks.issue("create", LinearWebhooks.issueData(id, "Twice", List.of("agent"), "Todo", "unstarted"), null, "user", PERSON, now());
        String delivery = UUID.randomUUID().toString();
        assertThat(LinearWebhooks.send(url(), body, LINEAR_SECRET, delivery).body()).contains("\"result\":\"published\"");
        assertThat(LinearWebhooks.send(url(), body, LINEAR_SECRET, delivery).body()).contains("\"result\":\"duplicate\"");
        // another delivery of the same change (another id, or none) asks for the same version: published once
        assertThat(LinearWebhooks.send(url(), body, LINEAR_SECRET, UUID.randomUUID().toString()).body()).contains("\"result\":\"duplicate\"");
        assertThat(LinearWebhooks.send(url(), body, LINEAR_SECRET, null).body()).contains("\"result\":\"duplicate\"");
        assertThat(published(id)).hasSize(1);
    }

    private static void assertIgnored(HttpResponse<String> r, String why) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"ignored\"").contains(why);
    }

    private static HttpResponse<String> send(String body) throws Exception {
        return LinearWebhooks.send(url(), body, LINEAR_SECRET, UUID.randomUUID().toString());
    }

    private static String url() {
        return nightshift.webhookUrl("linear");
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    private static String newIdentifier() {
        return "ENG-" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000_000);
    }

    private static List<TaskEvent> published(String id) {
        return TopicReader.valuesFor(Topics.TASKS, "linear:" + id).stream().map(TaskEvent.class::cast).toList();
    }

    /** The activities report sent to this session, in the order the stand-in Linear received them. */
    private static List<JsonNode> activities(String session) {
        return nightshift.todoist.findAll(postRequestedFor(urlEqualTo(RunningNightshift.LINEAR_PATH))
                        .withRequestBody(matchingJsonPath("$.variables.input.agentSessionId", equalTo(session)))).stream()
                .map(r -> JSON.readTree(r.getBodyAsString()).path("variables").path("input").path("content"))
                .toList();
    }

    private static List<RunEvent> runs(String id) {
        return TopicReader.valuesFor(Topics.RUNS, "linear:" + id).stream().map(RunEvent.class::cast).toList();
    }
}
