package dev.nightshift.report.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportApplication;
import dev.nightshift.report.airtable.AirtableSinkTest;
import dev.nightshift.report.sink.SinkListeners;
import dev.nightshift.testkit.ReportTopics;
import dev.nightshift.testkit.RunEvents;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicReader;
import dev.nightshift.testkit.TopicWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * Report against stand-in targets that misbehave, on the real broker: a rate limit with Retry-After, a
 * burst of 5xx, a revoked and then restored token, an Airtable batch with a refused record. Every event
 * ends written once, and only a refused one parked.
 */
class ReportFaultsTest {

    private static final WireMockServer todoist = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final String MANAGEMENT_TOKEN = "test-management-token";
    private static ConfigurableApplicationContext report;
    private static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        todoist.start();
        todoist.stubFor(post("/api/v1/comments").atPriority(10).willReturn(okJson("{\"id\":\"c\"}")));
        todoist.stubFor(get(urlPathEqualTo("/api/v1/projects")).atPriority(10).willReturn(okJson("{\"results\":[]}")));
        // labels of any task (earlier tests' run events come through here too)
        todoist.stubFor(get(urlPathMatching("/api/v1/tasks/[^/]+")).atPriority(10).willReturn(okJson("{\"labels\":[]}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/tasks/[^/]+")).atPriority(10).willReturn(okJson("{}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/comments/[^/]+")).atPriority(10).willReturn(okJson("{}")));
        // what a comment that failed left behind: nothing (a write tried before is looked for before it is made again)
        todoist.stubFor(get(urlPathEqualTo("/api/v1/comments")).atPriority(10).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        todoist.stubFor(patch(urlPathMatching("/airtable/v0/.+")).atPriority(10).willReturn(okJson("{\"records\":[]}")));
        SharedInfrastructure infra = SharedInfrastructure.get();
        // dispatch owns nightshift.runs; here report runs alone
        ReportTopics.create();
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers(),
                "--nightshift.registry-url=" + infra.registryUrl(),
                "--nightshift.report.group-prefix=report-faults-" + UUID.randomUUID(),
                "--nightshift.report.credential-check-interval=1s",
                "--nightshift.report.todoist.api-base-url=" + todoist.baseUrl() + "/api/v1",
                "--nightshift.report.todoist.api-token=report-token",
                // a new group reads every run event earlier tests wrote: spaced as in production, that backlog takes minutes
                "--nightshift.report.todoist.limits.requests=1000",
                "--nightshift.report.todoist.limits.period=1s",
                "--nightshift.report.todoist.limits.attempts=2",
                "--nightshift.report.todoist.limits.in-call-wait=1s",
                "--nightshift.report.github.api-base-url=" + todoist.baseUrl() + "/github",
                "--nightshift.report.github.api-token=gh-token",
                "--nightshift.report.github.limits.requests=100",
                "--nightshift.report.github.limits.period=1s",
                "--nightshift.report.github.limits.sustained.requests=1000",
                "--nightshift.report.github.limits.sustained.period=1s",
                "--nightshift.report.airtable.api-url=" + todoist.baseUrl() + "/airtable/v0",
                "--nightshift.report.airtable.api-token=airtable-token",
                "--nightshift.report.airtable.limits.requests=50",
                "--nightshift.report.airtable.limits.period=1s",
                "--nightshift.report.airtable.limits.in-call-wait=1s",
                "--nightshift.report.airtable.limits.rate-limit-wait=3s",
                "--nightshift.management.token=" + MANAGEMENT_TOKEN,
                "--server.port=0",
                "--nightshift.signing.key=" + TestSigningKey.KEY,
                "--logging.include-application-name=false"));
        report = ReportApplication.builder().registerShutdownHook(false).run(args.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (report != null) {
            report.close();
        }
        todoist.stop();
    }

    @Test
    void aRateLimitLongerThanACallWaitsPausesThePartitionAndTheCommentIsWrittenOnceAfterIt() throws Exception {
        String task = task();
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .inScenario(task).whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3")).willSetStateTo("free"));
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .inScenario(task).whenScenarioStateIs("free").willReturn(okJson("{\"id\":\"c-" + task + "\"}")));
        started(task);

        await().atMost(Duration.ofSeconds(30)).until(() -> commentsOn(task).size() == 2);
        List<LoggedRequest> tries = commentsOn(task);
        assertThat(tries.get(1).getLoggedDate().getTime() - tries.get(0).getLoggedDate().getTime()).isGreaterThanOrEqualTo(2_900);
        Thread.sleep(2_000); // nothing more follows
        assertThat(commentsOn(task)).hasSize(2);
        assertThat(parked(task)).isEmpty();
    }

    @Test
    void aBurstOf5xxOutlastingTheCallsRetriesIsRetriedByTheSinkUntilItPasses() throws Exception {
        String task = task();
        for (int i = 0; i < 4; i++) {
            todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                    .inScenario(task).whenScenarioStateIs(i == 0 ? STARTED : "fail-" + i)
                    .willReturn(aResponse().withStatus(i % 2 == 0 ? 502 : 500)).willSetStateTo("fail-" + (i + 1)));
        }
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .inScenario(task).whenScenarioStateIs("fail-4").willReturn(okJson("{\"id\":\"c-" + task + "\"}")));
        started(task);

        await().atMost(Duration.ofSeconds(40)).until(() -> commentsOn(task).size() == 5);
        Thread.sleep(2_000);
        assertThat(commentsOn(task)).hasSize(5);
        assertThat(parked(task)).isEmpty();
    }

    @Test
    void aRevokedTokenPausesTheSinkWithoutParkingAndARestoredOneResumesIt() throws Exception {
        String task = task();
        StubMapping revokedWrite = todoist.stubFor(post("/api/v1/comments").atPriority(1)
                .willReturn(aResponse().withStatus(401).withBody("{\"error\":\"Invalid token\"}")));
        StubMapping revokedCheck = todoist.stubFor(get(urlPathEqualTo("/api/v1/projects")).atPriority(1).willReturn(aResponse().withStatus(401)));
        started(task);

        await().atMost(Duration.ofSeconds(20)).until(() -> health().contains("\"todoist\":\"paused: Todoist POST /comments answered 401"));
        assertThat(health()).contains("OUT_OF_SERVICE");
        String second = task();
        started(second);
        Thread.sleep(3_000);
        // paused: the second event is not even tried, and nothing is parked
        assertThat(commentsOn(second)).isEmpty();
        assertThat(commentsOn(task)).hasSize(1);
        assertThat(parked(task)).isEmpty();

        // the token works again: both are written, once each
        todoist.removeStub(revokedWrite);
        todoist.removeStub(revokedCheck);
        await().atMost(Duration.ofSeconds(40)).until(() -> commentsOn(second).size() == 1 && commentsOn(task).size() == 2);
        Thread.sleep(2_000);
        assertThat(commentsOn(second)).hasSize(1);
        assertThat(commentsOn(task)).hasSize(2);
        assertThat(health()).contains("\"todoist\":\"writing\"");
        assertThat(parked(task)).isEmpty();
        assertThat(parked(second)).isEmpty();
    }

    @Test
    void aTargetThatKeepsFailingHoldsUpNoOtherSinkEvenOnTheSamePartition() throws Exception {
        String task = task();
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .willReturn(aResponse().withStatus(503)));
        started(task);
        await().atMost(Duration.ofSeconds(30)).until(() -> !commentsOn(task).isEmpty());
        int partition = partition("todoist:" + task);
        // GitHub issues whose events land behind the failing Todoist event, on its partition
        List<Integer> issues = new ArrayList<>();
        for (int n = 1; issues.size() < 3; n++) {
            if (partition("github:acme/shop#" + n) == partition) {
                issues.add(n);
            }
        }
        for (int n : issues) {
            todoist.stubFor(post("/github/repos/acme/shop/issues/" + n + "/comments").willReturn(okJson("{\"id\":" + (5000 + n) + "}")));
            RunEvent event = RunEvent.newBuilder()
                    .setTaskKey("github:acme/shop#" + n)
                    .setRunId("run-" + UUID.randomUUID())
                    .setAttempt(1)
                    .setMaxAttempts(1)
                    .setWorker("fixer")
                    .setOccurredAt(Instant.now())
                    .setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/shop#" + n).setTitle("Fix it")
                            .setReference(GitHubIssue.newBuilder().setRepository("acme/shop").setNumber(n).build()).build())
                    .setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().build())))
                    .setBody(RunStarted.newBuilder().setAdapter("claude").build())
                    .build();
            TopicWriter.send(Topics.RUNS, event.getTaskKey(), event);
        }

        await().atMost(Duration.ofSeconds(20)).until(() -> issues.stream().allMatch(n ->
                todoist.findAll(postRequestedFor(urlEqualTo("/github/repos/acme/shop/issues/" + n + "/comments"))).size() == 1));
        // meanwhile Todoist is still being retried (its own group, its own backoff): nothing of it parked
        assertThat(parked(task)).isEmpty();
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task))).willReturn(okJson("{\"id\":\"late\"}")));
        // and once Todoist answers again, its event is written after all
        await().atMost(Duration.ofSeconds(90)).until(() -> todoist.getAllServeEvents().stream()
                .anyMatch(e -> e.getRequest().getBodyAsString().contains(task) && e.getResponse().getStatus() == 200));
    }

    @Test
    void aRefusedEventIsParkedAndReplayedOnceItsCauseIsFixed() throws Exception {
        String task = task();
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .willReturn(aResponse().withStatus(404).withBody("Task not found")));
        started(task);
        await().atMost(Duration.ofSeconds(20)).until(() -> parked(task).size() == 1);
        assertThat(commentsOn(task)).hasSize(1);

        // the task is back: the replay writes the parked event, once; a second replay finds nothing new
        todoist.stubFor(post("/api/v1/comments").withRequestBody(matchingJsonPath("$.task_id", equalTo(task)))
                .willReturn(okJson("{\"id\":\"c-" + task + "\"}")));
        assertThat(replay()).contains("\"replayed\":").doesNotContain("stoppedAt");
        assertThat(commentsOn(task)).hasSize(2);
        assertThat(replay()).contains("\"replayed\":0");
        assertThat(commentsOn(task)).hasSize(2);
    }

    @Test
    void anAirtableBatchParksOnlyTheRecordAirtableRefusesAndWritesTheRestAfterARateLimit() throws Exception {
        String table = "/airtable/v0/" + AirtableSinkTest.BASE + "/Content%20drafts";
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> good = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            good.add("run-" + batch + "-" + i);
        }
        String bad = "run-" + batch + "-bad";
        todoist.stubFor(patch(urlEqualTo(table)).atPriority(1).withRequestBody(containing("\"" + bad + "\""))
                .willReturn(aResponse().withStatus(422).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"type\":\"INVALID_VALUE_FOR_COLUMN\",\"message\":\"Field Cost cannot accept the provided value\"}}")));
        // the first request of the batch is rate limited: Airtable refuses for a while
        todoist.stubFor(patch(urlEqualTo(table)).atPriority(2).inScenario(batch).whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429)).willSetStateTo("free"));
        todoist.stubFor(patch(urlEqualTo(table)).atPriority(3).willReturn(okJson("{\"records\":[]}")));
        List<String> all = new ArrayList<>(good);
        all.add(7, bad);
        for (String run : all) {
            RunEvent event = AirtableSinkTest.finished(run);
            event.setTaskKey("todoist:" + run);
            TopicWriter.send(Topics.RUNS, event.getTaskKey(), event);
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> good.stream().allMatch(run -> !upserted(table, run).isEmpty())
                && !parkedHere("airtable", "todoist:" + bad).isEmpty());
        List<LoggedRequest> requests = todoist.findAll(patchRequestedFor(urlEqualTo(table))).stream()
                .filter(r -> r.getBodyAsString().contains(batch)).toList();
        assertThat(requests.getFirst().getBodyAsString()).as("the rate-limited request").contains(batch);
        assertThat(requests).allSatisfy(r -> assertThat(AirtableSinkTest.records(r.getBodyAsString())).isBetween(1, 10));
        // every good run written once (answered 200); only the refused one parked
        for (String run : good) {
            assertThat(upserted(table, run)).as(run).hasSize(1);
            assertThat(parkedHere("airtable", "todoist:" + run)).as(run).isEmpty();
        }
        assertThat(parkedHere("airtable", "todoist:" + bad)).hasSize(1);
    }

    /** What this test's report parked (another report on the shared broker parks on the same topic). */
    private static List<ConsumerRecord<String, Object>> parkedHere(String sink, String key) {
        String group = report.getEnvironment().getRequiredProperty("nightshift.report.group-prefix") + "-" + sink;
        return TopicReader.readAll(SinkListeners.deadLetters(sink)).stream().filter(r -> key.equals(r.key()))
                .filter(r -> r.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP) != null
                        && group.equals(new String(r.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_CONSUMER_GROUP).value(), StandardCharsets.UTF_8)))
                .toList();
    }

    /** The requests answered 200 that upserted this run. */
    private static List<LoggedRequest> upserted(String table, String run) {
        return todoist.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals(table) && e.getResponse().getStatus() == 200
                        && e.getRequest().getBodyAsString().contains("\"" + run + "\""))
                .map(e -> e.getRequest()).toList();
    }

    private static String replay() throws Exception {
        String port = report.getEnvironment().getRequiredProperty("local.server.port");
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/deadletters/todoist"))
                .header("Authorization", "Bearer " + MANAGEMENT_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static int partition(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % 6;
    }

    private static com.github.tomakehurst.wiremock.matching.StringValuePattern equalTo(String value) {
        return com.github.tomakehurst.wiremock.client.WireMock.equalTo(value);
    }

    private static String task() {
        return "F" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static List<LoggedRequest> commentsOn(String task) {
        return todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(matchingJsonPath("$.task_id", equalTo(task))));
    }

    private static List<Object> parked(String task) {
        return TopicReader.valuesFor(SinkListeners.deadLetters("todoist"), "todoist:" + task);
    }

    private static String health() throws Exception {
        String port = report.getEnvironment().getRequiredProperty("local.server.port");
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void started(String task) throws Exception {
        RunEvent event = RunEvents.todoistRun(task, RunStarted.newBuilder().setAdapter("claude").build());
        TopicWriter.send(Topics.RUNS, event.getTaskKey(), event);
    }
}
