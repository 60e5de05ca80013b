package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.nightshift.standalone.RunningNightshift.CLIENT_SECRET;
import static dev.nightshift.standalone.RunningNightshift.GITHUB_SECRET;
import static dev.nightshift.standalone.RunningNightshift.PROJECT_ID;
import static dev.nightshift.standalone.RunningNightshift.REPOSITORY;
import static dev.nightshift.standalone.RunningNightshift.UNREADABLE_PROJECT_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.testkit.GitHubWebhooks;
import dev.nightshift.testkit.LinearWebhooks;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * An ingest replica that polls Todoist, GitHub and Linear (stand-ins asserting the exact requests) every
 * second, beside the ordinary one that takes webhooks: what dispatch has taken up, the poll finds as a
 * duplicate (on dispatch's ledger) and publishes no more; what no webhook brought, the poll publishes; either
 * way one run.
 */
class ReconciliationTest {

    private static final String LINEAR_KEY = "lin_api_reconcile";
    private static RunningNightshift nightshift;
    private static WireMockServer github;
    private static WireMockServer linear;
    private static ConfigurableApplicationContext polling;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
        github = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        linear = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        github.start();
        linear.start();
        stubIssues("labels", "agent", List.of());
        // the assignee listing fails once: the poll is tried again after its back-off, and goes on
        github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/issues")).withQueryParam("assignee", equalTo("nightshift-bot"))
                .inScenario("flaky").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("recovered")
                .willReturn(aResponse().withStatus(502).withBody("Bad gateway")));
        github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/issues")).withQueryParam("assignee", equalTo("nightshift-bot"))
                .inScenario("flaky").whenScenarioStateIs("recovered").willReturn(okJson("[]")));
        github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/pulls")).willReturn(okJson("[]")));
        linear.stubFor(post("/graphql").willReturn(okJson(linearPage(List.of()))));
        nightshift.todoist.stubFor(get(urlPathEqualTo("/api/v1/projects")).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        polling = nightshift.startIngestReplica(Map.of(
                "nightshift.ingest.todoist.poll-interval", "1s",
                "nightshift.ingest.github.api-base-url", github.baseUrl(),
                "nightshift.ingest.github.api-token", "gh-reconcile-token",
                "nightshift.ingest.github.poll-interval", "1s",
                "nightshift.ingest.linear.api-url", linear.baseUrl() + "/graphql",
                "nightshift.ingest.linear.api-key", LINEAR_KEY,
                "nightshift.ingest.linear.poll-interval", "1s"));
    }

    @AfterAll
    static void stop() {
        polling.close();
        github.stop();
        linear.stop();
    }

    @Test
    void aWebhookAndAPollFindingTheSameIssueEndInOneRunAndALostWebhookIsFound() throws Exception {
        int seen = newNumber();
        int lost = newNumber();
        int done = newNumber();
        HttpResponse<String> r = GitHubWebhooks.send(nightshift.webhookUrl("github"), "issues",
                GitHubWebhooks.labeled(REPOSITORY, seen, "Seen by its webhook", "agent"), GITHUB_SECRET, GitHubWebhooks.newDeliveryId());
        assertThat(r.body()).contains("\"result\":\"published\"");

        stubIssues("labels", "agent", List.of(
                GitHubWebhooks.issue(REPOSITORY, seen, "Seen by its webhook", "", List.of("agent"), List.of(), false),
                GitHubWebhooks.issue(REPOSITORY, lost, "Its webhook was lost", "Steps.", List.of("agent"), List.of(), false),
                GitHubWebhooks.issue(REPOSITORY, done, "Done already", "", List.of("agent", "agent-done"), List.of(), false),
                GitHubWebhooks.issue(REPOSITORY, newNumber(), "A labelled pull request", "", List.of("agent"), List.of(), true)));
        await().atMost(Duration.ofSeconds(20)).until(() -> !githubPublished(lost).isEmpty());
        TaskEvent found = githubPublished(lost).getFirst();
        assertThat(((TaskRequested) found.getBody()).getTaskVersion()).isEqualTo("issue");
        assertThat(found.getTask().getTitle()).isEqualTo("Its webhook was lost");

        // the webhook arriving late, at another replica, is the same version: published there perhaps, run once
        HttpResponse<String> late = GitHubWebhooks.send(nightshift.webhookUrl("github"), "issues",
                GitHubWebhooks.labeled(REPOSITORY, lost, "Its webhook was lost", "agent"), GITHUB_SECRET, GitHubWebhooks.newDeliveryId());
        assertThat(late.statusCode()).as(late.body()).isEqualTo(200);
        Thread.sleep(2500);
        // more polls came and went: a version dispatch has taken up is not published again by them (at most, the
        // first poll's copy of what the webhook published a moment before, and the late webhook's own)
        assertThat(githubPublished(seen)).hasSizeBetween(1, 2);
        assertThat(githubPublished(lost)).hasSizeBetween(1, 2);
        int seenSoFar = githubPublished(seen).size();
        int lostSoFar = githubPublished(lost).size();
        Thread.sleep(2500);
        assertThat(githubPublished(seen)).hasSize(seenSoFar);
        assertThat(githubPublished(lost)).hasSize(lostSoFar);
        assertThat(githubPublished(done)).isEmpty();
        for (int n : List.of(seen, lost)) {
            String key = "github:" + REPOSITORY + "#" + n;
            await().atMost(Duration.ofSeconds(60)).until(() -> runs(key).stream().anyMatch(e -> e.getBody() instanceof RunFinished));
            assertThat(runs(key).stream().filter(e -> e.getBody() instanceof RunStarted)).as(key).hasSize(1);
        }
        github.verify(getRequestedFor(urlPathEqualTo("/repos/" + REPOSITORY + "/issues"))
                .withQueryParam("state", equalTo("open")).withQueryParam("labels", equalTo("agent")).withQueryParam("per_page", equalTo("100"))
                .withHeader("Authorization", equalTo("Bearer gh-reconcile-token"))
                .withHeader("Accept", equalTo("application/vnd.github+json"))
                .withHeader("X-GitHub-Api-Version", equalTo("2022-11-28")));
    }

    /**
     * A listing carries each item's author's association: an outsider's pull request is left. And the token goes only
     * to the API's own host: a {@code Link} to another (a second stand-in, on another port of 127.0.0.1) is not followed.
     */
    @Test
    void pollingLeavesOutsidersPullRequestsAndFollowsLinksOnlyOnTheApiHost() throws Exception {
        WireMockServer elsewhere = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        elsewhere.start();
        try {
            int member = newNumber();
            int outsider = newNumber();
            int beyond = newNumber();
            elsewhere.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/pulls")).willReturn(okJson("["
                    + GitHubWebhooks.pullRequestItem(REPOSITORY, beyond, "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "bob", "MEMBER") + "]")));
            github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/pulls")).willReturn(okJson("["
                    + GitHubWebhooks.pullRequestItem(REPOSITORY, member, "9049f1265b7d61be4a8904a9a27120d2064dab3b", "bob", "MEMBER") + ","
                    + GitHubWebhooks.pullRequestItem(REPOSITORY, outsider, "9049f1265b7d61be4a8904a9a27120d2064dab3b", "mallory", "NONE") + "]")
                    .withHeader("Link", "<" + elsewhere.baseUrl() + "/repos/" + REPOSITORY + "/pulls?state=open&per_page=100&page=2>; rel=\"next\"")));

            await().atMost(Duration.ofSeconds(20)).until(() -> !githubPublished(member).isEmpty());
            assertThat(((TaskRequested) githubPublished(member).getFirst().getBody()).getTaskVersion())
                    .isEqualTo("head:9049f1265b7d61be4a8904a9a27120d2064dab3b");
            Thread.sleep(2500);
            assertThat(githubPublished(outsider)).isEmpty();
            assertThat(githubPublished(beyond)).isEmpty();
            assertThat(elsewhere.getAllServeEvents()).as("no request, so no token, went to the other host").isEmpty();
        } finally {
            github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/pulls")).willReturn(okJson("[]")));
            elsewhere.stop();
        }
    }

    @Test
    void aFailedPollIsTriedAgainAfterItsBackOff() {
        MeterRegistry meters = polling.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> github.findAll(getRequestedFor(urlPathEqualTo("/repos/" + REPOSITORY + "/issues"))
                .withQueryParam("assignee", equalTo("nightshift-bot"))).size() >= 2);
        assertThat(meters.counter("nightshift.ingest.polled", "source", "github", "result", "failed").count()).isEqualTo(1.0);
    }

    @Test
    void todoistTasksOfAWorkersProjectArePolledPageByPage() {
        String first = EndToEndTest.newTaskId();
        String done = EndToEndTest.newTaskId();
        String second = EndToEndTest.newTaskId();
        WireMockServer todoist = nightshift.todoist;
        todoist.stubFor(get(urlPathEqualTo("/api/v1/projects")).willReturn(okJson("""
                {"results":[{"id":"%s","name":"Writing"},{"id":"6Jf8VQXxOTHER","name":"Groceries"}],"next_cursor":null}"""
                .formatted(PROJECT_ID))));
        todoist.stubFor(get(urlPathEqualTo("/api/v1/tasks")).withQueryParam("project_id", equalTo(PROJECT_ID))
                .willReturn(okJson("{\"results\":[" + todoistTask(first, List.of()) + "," + todoistTask(done, List.of("agent-done"))
                        + "],\"next_cursor\":\"page-2\"}")));
        todoist.stubFor(get(urlPathEqualTo("/api/v1/tasks")).withQueryParam("project_id", equalTo(PROJECT_ID))
                .withQueryParam("cursor", equalTo("page-2")).atPriority(1)
                .willReturn(okJson("{\"results\":[" + todoistTask(second, List.of("writing")) + "],\"next_cursor\":null}")));

        await().atMost(Duration.ofSeconds(20)).until(() -> !todoistPublished(first).isEmpty() && !todoistPublished(second).isEmpty());
        assertThat(((TaskRequested) todoistPublished(second).getFirst().getBody()).getTaskVersion()).isEqualTo("added");
        assertThat(todoistPublished(done)).isEmpty();
        todoist.verify(getRequestedFor(urlPathEqualTo("/api/v1/tasks")).withQueryParam("project_id", equalTo(PROJECT_ID))
                .withQueryParam("cursor", equalTo("page-2")).withQueryParam("limit", equalTo("200"))
                .withHeader("Authorization", equalTo("Bearer ingest-token")));
        assertThat(todoist.findAll(getRequestedFor(urlPathEqualTo("/api/v1/tasks")).withQueryParam("project_id", equalTo("6Jf8VQXxOTHER"))))
                .isEmpty();
    }

    @Test
    void linearIssuesOfAWorkersTeamAndLabelArePolled() {
        String identifier = "ENG-" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000_000);
        linear.stubFor(post("/graphql").willReturn(okJson(linearPage(List.of(linearIssue(identifier))))));
        await().atMost(Duration.ofSeconds(20)).until(() -> !TopicReader.valuesFor(Topics.TASKS, "linear:" + identifier).isEmpty());
        TaskEvent event = (TaskEvent) TopicReader.valuesFor(Topics.TASKS, "linear:" + identifier).getFirst();
        assertThat(((TaskRequested) event.getBody()).getTaskVersion()).isEqualTo("issue");
        assertThat(event.getTask().getLabels()).containsExactly("agent");
        linear.verify(postRequestedFor(urlPathEqualTo("/graphql"))
                .withHeader("Authorization", equalTo(LINEAR_KEY))
                .withRequestBody(equalToJson("""
                        {"variables":{"filter":{"team":{"key":{"eqIgnoreCase":"ENG"}},
                          "labels":{"some":{"name":{"eqIgnoreCase":"agent"}}},
                          "state":{"type":{"nin":["completed","canceled"]}}},"after":null}}""", true, true)));
    }

    /** With polling on, a project Todoist cannot look up right now is no reason to make Todoist retry. */
    @Test
    void aFailedProjectLookupIsIgnoredWhenThePollWillFindTheTask() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> r = TodoistWebhooks.send(RunningNightshift.webhookUrl(polling, "todoist"),
                TodoistWebhooks.itemAdded(taskId, UNREADABLE_PROJECT_ID, "Somewhere"), CLIENT_SECRET, "d-" + taskId);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"result\":\"ignored\"").contains("reconciliation will find its tasks");
    }

    private static void stubIssues(String filter, String value, List<String> issues) {
        github.stubFor(get(urlPathEqualTo("/repos/" + REPOSITORY + "/issues")).withQueryParam(filter, equalTo(value))
                .willReturn(okJson("[" + String.join(",", issues) + "]")));
    }

    private static String todoistTask(String id, List<String> labels) {
        return TodoistWebhooks.itemAdded(id, PROJECT_ID, "Polled " + id)
                .replaceFirst("^.*\"event_data\":(\\{.*?\"user_id\":\"2671355\"\\}).*$", "$1")
                .replace("\"labels\":[\"writing\"]", "\"labels\":[" + String.join(",", labels.stream().map(l -> "\"" + l + "\"").toList()) + "]");
    }

    private static String linearIssue(String identifier) {
        return """
                {"id":"%s","identifier":"%s","title":"Export does nothing","description":"On Firefox.",
                 "url":"https://linear.app/acme/issue/%s","team":{"id":"%s","key":"ENG"},
                 "labels":{"nodes":[{"id":"%s","name":"agent"}]},"state":{"name":"Todo","type":"unstarted"}}"""
                .formatted(UUID.randomUUID(), identifier, identifier, LinearWebhooks.TEAM_ID, LinearWebhooks.LABEL_ID);
    }

    private static String linearPage(List<String> issues) {
        return "{\"data\":{\"issues\":{\"nodes\":[" + String.join(",", issues)
                + "],\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":null}}}}";
    }

    private static List<TaskEvent> githubPublished(int number) {
        return TopicReader.valuesFor(Topics.TASKS, "github:" + REPOSITORY + "#" + number).stream().map(TaskEvent.class::cast).toList();
    }

    private static List<TaskEvent> todoistPublished(String taskId) {
        return TopicReader.valuesFor(Topics.TASKS, "todoist:" + taskId).stream().map(TaskEvent.class::cast).toList();
    }

    private static List<RunEvent> runs(String taskKey) {
        return TopicReader.valuesFor(Topics.RUNS, taskKey).stream().map(RunEvent.class::cast).toList();
    }

    private static int newNumber() {
        return ThreadLocalRandom.current().nextInt(100_000, 1_000_000_000);
    }
}
