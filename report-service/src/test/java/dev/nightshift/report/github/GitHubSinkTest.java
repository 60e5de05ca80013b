package dev.nightshift.report.github;

import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.notFound;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.GitHubPush;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.report.ReportParts;
import dev.nightshift.report.github.GitHubProperties;
import dev.nightshift.report.github.GitHubSink;
import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.writes.WriteLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

/** The GitHub sink against a stand-in GitHub: the exact requests for start, progress, success, failure and cancellation. */
class GitHubSinkTest {

    private static final WireMockServer github = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final String ISSUE = "/repos/acme/shop/issues/42";
    private GitHubSink sink;
    private String runId;

    @BeforeAll
    static void start() {
        github.start();
    }

    @AfterAll
    static void stop() {
        github.stop();
    }

    @BeforeEach
    void setUp() throws Exception {
        github.resetAll();
        github.stubFor(post(ISSUE + "/comments").willReturn(okJson("{\"id\":9001}").withStatus(201)));
        github.stubFor(get(urlPathEqualTo(ISSUE + "/comments")).willReturn(okJson("[]")));
        github.stubFor(patch(urlPathEqualTo("/repos/acme/shop/issues/comments/9001")).willReturn(okJson("{\"id\":9001}")));
        github.stubFor(post(ISSUE + "/labels").willReturn(okJson("[]")));
        github.stubFor(delete(urlPathEqualTo(ISSUE + "/labels/agent-working")).willReturn(okJson("[]")));
        GitHubProperties properties = new GitHubProperties(URI.create(github.baseUrl()), "gh-token", 100, Duration.ofSeconds(5),
                new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), Duration.ofSeconds(1), null));
        sink = new GitHubSink(RestClient.builder(), properties, new SimpleMeterRegistry(), ReportParts.writeLog());
        runId = "run-" + UUID.randomUUID();
    }

    @Test
    void aStartedRunGetsATrackingCommentAndTheWorkingLabel() {
        sink.write(run(RunStarted.newBuilder().setAdapter("claude").build()));

        github.verify(postRequestedFor(urlEqualTo(ISSUE + "/comments"))
                .withHeader("Authorization", equalTo("Bearer gh-token"))
                .withHeader("Accept", equalTo("application/vnd.github+json"))
                .withHeader("X-GitHub-Api-Version", equalTo("2022-11-28"))
                .withRequestBody(equalToJson(body("Working on it (attempt 1/3)."))));
        github.verify(postRequestedFor(urlEqualTo(ISSUE + "/labels")).withRequestBody(equalToJson("{\"labels\":[\"agent-working\"]}")));
        assertThat(requests()).containsExactly("POST " + ISSUE + "/comments", "POST " + ISSUE + "/labels");
    }

    @Test
    void progressEditsTheTrackingCommentAtMostOncePerInterval() {
        sink.write(run(RunStarted.newBuilder().setAdapter("claude").build()));
        sink.write(run(RunProgress.newBuilder().setSequence(1).setLine("Reading src/login.ts").build()));
        sink.write(run(RunProgress.newBuilder().setSequence(2).setLine("Running npm test").build()));

        github.verify(1, patchRequestedFor(urlEqualTo("/repos/acme/shop/issues/comments/9001"))
                .withRequestBody(equalToJson(body("Working on it (attempt 1/3).\n\n- Reading src/login.ts"))));
        assertThat(requests()).containsExactly("POST " + ISSUE + "/comments", "POST " + ISSUE + "/labels",
                "PATCH /repos/acme/shop/issues/comments/9001");
    }

    @Test
    void successEditsTheResultInSwapsTheWorkingLabelForTheDoneOneAndNeverCloses() {
        sink.write(run(RunStarted.newBuilder().setAdapter("claude").build()));
        github.resetRequests();
        sink.write(run(finished(Outcome.SUCCEEDED, "Fixed the Safari login: the cookie lacked SameSite=None.", false)));

        github.verify(patchRequestedFor(urlEqualTo("/repos/acme/shop/issues/comments/9001")).withRequestBody(equalToJson(
                body("Done. Ready for review.\n\nFixed the Safari login: the cookie lacked SameSite=None."))));
        github.verify(postRequestedFor(urlEqualTo(ISSUE + "/labels")).withRequestBody(equalToJson("{\"labels\":[\"agent-done\"]}")));
        assertThat(requests()).containsExactly("PATCH /repos/acme/shop/issues/comments/9001",
                "DELETE " + ISSUE + "/labels/agent-working", "POST " + ISSUE + "/labels");
    }

    @Test
    void theLastFailedAttemptGetsTheFailedLabelAndAnEarlierOneNone() {
        sink.write(run(RunStarted.newBuilder().setAdapter("claude").build()));
        github.resetRequests();
        sink.write(run(finished(Outcome.FAILED, null, false)));
        assertThat(requests()).containsExactly("PATCH /repos/acme/shop/issues/comments/9001", "DELETE " + ISSUE + "/labels/agent-working");

        github.resetRequests();
        sink.write(run(finished(Outcome.FAILED, null, true)));
        github.verify(postRequestedFor(urlEqualTo(ISSUE + "/labels")).withRequestBody(equalToJson("{\"labels\":[\"agent-failed\"]}")));
    }

    @Test
    void aCancelledRunSaysSoAndGetsNoLabelAndAWorkingLabelAlreadyGoneIsFine() {
        github.stubFor(delete(urlPathEqualTo(ISSUE + "/labels/agent-working")).willReturn(notFound().withBody("{\"message\":\"Label does not exist\"}")));
        sink.write(run(RunStarted.newBuilder().setAdapter("claude").build()));
        github.resetRequests();
        RunFinished cancelled = RunFinished.newBuilder().setOutcome(Outcome.CANCELLED).setReason("the issue was closed")
                .setDurationMillis(10).setFinalAttempt(true).build();
        sink.write(run(cancelled));

        github.verify(patchRequestedFor(urlEqualTo("/repos/acme/shop/issues/comments/9001"))
                .withRequestBody(equalToJson(body("Cancelled: the issue was closed"))));
        assertThat(requests()).containsExactly("PATCH /repos/acme/shop/issues/comments/9001", "DELETE " + ISSUE + "/labels/agent-working");
    }

    @Test
    void aRepeatedStartMakesNoSecondCommentAndACommentMadeBeforeACrashIsFoundByItsMarker() throws Exception {
        RunEvent started = run(RunStarted.newBuilder().setAdapter("claude").build());
        sink.write(started);
        sink.write(started);
        github.verify(1, postRequestedFor(urlEqualTo(ISSUE + "/comments")));

        // another run whose comment was made but not noted: it is found on the second page of comments
        String other = "run-" + UUID.randomUUID();
        WriteLog writes = ReportParts.writeLog();
        assertThatThrownBy(() -> writes.once(new WriteLog.Key("github", other, "comment"), "github:acme/shop#42",
                Optional::empty, () -> {
                    throw new IllegalStateException("killed after the POST");
                })).hasMessage("killed after the POST");
        StringBuilder page1 = new StringBuilder("[");
        for (int i = 0; i < 100; i++) {
            page1.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"body\":\"a person's comment\"}");
        }
        github.stubFor(get(urlEqualTo(ISSUE + "/comments?per_page=100&page=1")).willReturn(okJson(page1.append("]").toString())));
        github.stubFor(get(urlEqualTo(ISSUE + "/comments?per_page=100&page=2")).willReturn(okJson(
                "[{\"id\":7777,\"body\":" + ReportParts.json("Working on it.\n\n" + OwnWrites.marker(other, "comment")) + "}]")));
        github.resetRequests();
        RunEvent otherStarted = run(RunStarted.newBuilder().setAdapter("claude").build());
        otherStarted.setRunId(other);
        sink.write(otherStarted);
        github.verify(0, postRequestedFor(urlEqualTo(ISSUE + "/comments")));
        github.verify(getRequestedFor(urlEqualTo(ISSUE + "/comments?per_page=100&page=2")));
    }

    private List<String> requests() {
        return github.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .sorted((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()))
                .map(r -> r.getMethod() + " " + r.getUrl()).toList();
    }

    private String body(String text) {
        return "{\"body\":" + ReportParts.json(text + "\n\n" + OwnWrites.marker(runId, "comment")) + "}";
    }

    @Test
    void aPushWorkersFindingsAreFiledOnceAsANewIssueAndNothingElseIsWritten() {
        github.stubFor(post("/repos/acme/shop/issues").willReturn(okJson("{\"number\":77}").withStatus(201)));
        RunEvent started = push(RunStarted.newBuilder().setAdapter("claude").build(), true);
        RunEvent done = push(finished(Outcome.SUCCEEDED, "Two commits skip input validation.", true), true);
        assertThat(sink.wants(push(RunStarted.newBuilder().setAdapter("claude").build(), false))).as("a push worker that files nothing").isFalse();
        assertThat(sink.wants(done)).isTrue();

        sink.write(started);
        sink.write(push(finished(Outcome.FAILED, null, false), true));
        sink.write(done);
        sink.write(done);

        github.verify(postRequestedFor(urlEqualTo("/repos/acme/shop/issues")).withRequestBody(equalToJson("""
                {"title":"auditor: Push to main","body":%s}""".formatted(ReportParts.json("Two commits skip input validation.\n\n"
                + "Filed by Nightshift's auditor worker for github:acme/shop@main:abc1234..def5678, run " + runId + ", attempt 1/3.\n\n"
                + OwnWrites.marker(runId, "findings"))))));
        assertThat(requests()).containsExactly("POST /repos/acme/shop/issues");
    }

    private RunEvent push(Object body, boolean fileFindings) {
        RunEvent run = run(body);
        run.setTaskKey("github:acme/shop@main:abc1234..def5678");
        run.setWorker("auditor");
        run.setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/shop@main").setTitle("Push to main")
                .setReference(GitHubPush.newBuilder().setRepository("acme/shop").setBranch("main").setBefore("abc1234").setAfter("def5678")
                        .setCommits(2).build()).build());
        run.setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().setComment(false).setFileFindings(fileFindings).build())));
        return run;
    }

    private static RunFinished finished(Outcome outcome, String summary, boolean last) {
        return RunFinished.newBuilder().setOutcome(outcome).setSummary(summary).setReason(summary == null ? "tests failed" : null)
                .setDurationMillis(1234).setFinalAttempt(last).build();
    }

    private RunEvent run(Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("github:acme/shop#42")
                .setRunId(runId)
                .setAttempt(1)
                .setMaxAttempts(3)
                .setWorker("fixer")
                .setOccurredAt(Instant.parse("2026-11-21T10:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/shop#42").setTitle("Login fails on Safari")
                        .setReference(GitHubIssue.newBuilder().setRepository("acme/shop").setNumber(42).build()).build())
                .setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().setWorkingLabel("agent-working")
                        .setDoneLabel("agent-done").setFailedLabel("agent-failed").build())))
                .setBody(body)
                .build();
    }
}
