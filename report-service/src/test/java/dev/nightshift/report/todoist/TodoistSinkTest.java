package dev.nightshift.report.todoist;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
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
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.Outputs;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.report.ReportParts;
import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.target.TargetFault;
import dev.nightshift.report.todoist.TodoistProperties;
import dev.nightshift.report.todoist.TodoistSink;
import dev.nightshift.report.writes.WriteLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

/** The Todoist sink against a stand-in Todoist: the exact requests it makes. */
class TodoistSinkTest {

    private static final WireMockServer todoist = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private TodoistSink sink;
    private String runPrefix;

    @BeforeAll
    static void start() {
        todoist.start();
    }

    @AfterAll
    static void stop() {
        todoist.stop();
    }

    @BeforeEach
    void setUp() throws Exception {
        runPrefix = "run-" + UUID.randomUUID();
        todoist.resetAll();
        todoist.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"c1\"}")));
        todoist.stubFor(get("/api/v1/tasks/T1").willReturn(okJson("{\"id\":\"T1\",\"labels\":[\"writing\",\"urgent\"]}")));
        todoist.stubFor(post("/api/v1/tasks/T1").willReturn(okJson("{\"id\":\"T1\"}")));
        TodoistProperties properties = new TodoistProperties(URI.create(todoist.baseUrl() + "/api/v1"), "report-token", 100,
                Duration.ofSeconds(5), new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), Duration.ofSeconds(1), null));
        sink = new TodoistSink(RestClient.builder(), properties, new SimpleMeterRegistry(), ReportParts.writeLog());
    }

    @Test
    void commentsWhenARunStarts() {
        sink.write(run(1, RunStarted.newBuilder().setAdapter("claude").build()));

        List<LoggedRequest> requests = todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/comments")));
        assertThat(requests).hasSize(1);
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/comments"))
                .withHeader("Authorization", equalTo("Bearer report-token"))
                .withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(equalToJson(comment("Working on it (attempt 1/3).", 1, "started"))));
        assertThat(requests.getFirst().getHeader("X-Request-Id")).hasSize(36);
        assertThat(todoist.getAllServeEvents()).hasSize(1);
    }

    @Test
    void onSuccessCommentsTheSummaryAndAddsTheDoneLabelKeepingThePersonsLabels() {
        sink.write(run(1, finished(Outcome.SUCCEEDED, "Drafted the post in draft.md.", null)));

        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/comments"))
                .withRequestBody(equalToJson(comment("Done. Ready for review.\n\nDrafted the post in draft.md.", 1, "finished"))));
        todoist.verify(getRequestedFor(urlEqualTo("/api/v1/tasks/T1")).withHeader("Authorization", equalTo("Bearer report-token")));
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/tasks/T1"))
                .withRequestBody(equalToJson("{\"labels\":[\"writing\",\"urgent\",\"agent-done\"]}")));
        assertThat(todoist.getAllServeEvents()).hasSize(3);
    }

    @Test
    void cutsALongSummary() {
        sink.write(run(1, finished(Outcome.SUCCEEDED, "x".repeat(500), null)));
        LoggedRequest comment = todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/comments"))).getFirst();
        assertThat(comment.getBodyAsString()).contains("x".repeat(99) + "…").doesNotContain("x".repeat(100));
    }

    @Test
    void doesNotWriteALabelThatIsAlreadyThere() {
        todoist.stubFor(get("/api/v1/tasks/T1").willReturn(okJson("{\"id\":\"T1\",\"labels\":[\"agent-done\"]}")));
        sink.write(run(1, finished(Outcome.SUCCEEDED, "again", null)));
        todoist.verify(0, postRequestedFor(urlEqualTo("/api/v1/tasks/T1")));
    }

    @Test
    void onFailureCommentsTheReasonAndLabelsOnlyAfterTheLastAttempt() {
        sink.write(run(1, finished(Outcome.FAILED, null, "the agent reported an error (exit code 1): API Error: 529")));
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(equalToJson(
                comment("Failed (attempt 1/3): the agent reported an error (exit code 1): API Error: 529", 1, "finished"))));
        todoist.verify(0, getRequestedFor(urlEqualTo("/api/v1/tasks/T1")));

        todoist.resetRequests();
        RunFinished last = finished(Outcome.TIMED_OUT, null, "no result within the wall-time budget of PT15M");
        last.setFinalAttempt(true);
        sink.write(run(3, last));
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(equalToJson(
                comment("Timed out (attempt 3/3): no result within the wall-time budget of PT15M", 3, "finished"))));
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/tasks/T1"))
                .withRequestBody(equalToJson("{\"labels\":[\"writing\",\"urgent\",\"agent-failed\"]}")));
    }

    @Test
    void anyLastAttemptThatFailsGetsTheFailedLabelEvenTheFirst() {
        RunFinished refused = finished(Outcome.FAILED, null, "adapter 'codex' is not allowed by nightshift.dispatch.ceiling.adapters");
        refused.setFinalAttempt(true);
        sink.write(run(1, refused));
        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/tasks/T1"))
                .withRequestBody(equalToJson("{\"labels\":[\"writing\",\"urgent\",\"agent-failed\"]}")));
    }

    @Test
    void aCancelledRunIsSaidOnceAndGetsNoLabel() {
        RunFinished cancelled = finished(Outcome.CANCELLED, null, "the task was completed in Todoist");
        cancelled.setFinalAttempt(true);
        sink.write(run(1, cancelled));
        todoist.verify(1, postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(equalToJson(
                comment("Cancelled: the task was completed in Todoist", 1, "finished"))));
        todoist.verify(0, getRequestedFor(urlEqualTo("/api/v1/tasks/T1")));
        todoist.verify(0, postRequestedFor(urlEqualTo("/api/v1/tasks/T1")));
    }

    @Test
    void aTaskWaitingForTheSpendCeilingIsToldWhyAndUntilWhen() {
        sink.write(run(1, RunWaiting.newBuilder().setReason("today's spend ceiling of $50.00 is reached ($49.80 spent or reserved; "
                + "this run's budget is $2.00)").setUntil(Instant.parse("2026-11-23T00:00:00Z")).build()));

        todoist.verify(postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(equalToJson(comment(
                "Waiting: today's spend ceiling of $50.00 is reached ($49.80 spent or reserved; this run's budget is $2.00). "
                + "It starts after 2026-11-23T00:00:00Z.", 1, "waiting"))));
        assertThat(todoist.getAllServeEvents()).hasSize(1);
    }

    @Test
    void progressEditsTheStartedCommentInPlaceAtMostOncePerInterval() throws Exception {
        todoist.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"c-started\"}")));
        todoist.stubFor(post("/api/v1/comments/c-started").willReturn(okJson("{\"id\":\"c-started\"}")));
        sink.write(run(1, RunStarted.newBuilder().setAdapter("claude").build()));
        sink.write(run(1, RunProgress.newBuilder().setSequence(1).setLine("Reading CLAUDE.md").build()));
        sink.write(run(1, RunProgress.newBuilder().setSequence(2).setLine("Writing draft.md").build()));
        sink.write(run(1, RunProgress.newBuilder().setSequence(3).setLine("Running uv run check").build()));

        // the first line edits at once; the next two fall within the interval (5 s) and wait
        todoist.verify(1, postRequestedFor(urlEqualTo("/api/v1/comments")));
        todoist.verify(1, postRequestedFor(urlEqualTo("/api/v1/comments/c-started"))
                .withHeader("Authorization", equalTo("Bearer report-token"))
                .withRequestBody(equalToJson("{\"content\":" + ReportParts.json("Working on it (attempt 1/3).\n\n- Reading CLAUDE.md\n\n"
                        + OwnWrites.marker(runPrefix + "-1", "started")) + "}")));

        Thread.sleep(5_100);
        sink.write(run(1, RunProgress.newBuilder().setSequence(4).setLine("Searching the repository").build()));
        todoist.verify(1, postRequestedFor(urlEqualTo("/api/v1/comments/c-started")).withRequestBody(equalToJson("{\"content\":"
                + ReportParts.json("Working on it (attempt 1/3).\n\n- Reading CLAUDE.md\n- Writing draft.md\n- Running uv run check\n- Searching the repository\n\n"
                + OwnWrites.marker(runPrefix + "-1", "started")) + "}")));
        todoist.verify(2, postRequestedFor(urlEqualTo("/api/v1/comments/c-started")));
    }

    @Test
    void aRepeatedEventDoesNotCommentTwice() {
        RunEvent started = run(1, RunStarted.newBuilder().setAdapter("claude").build());
        sink.write(started);
        sink.write(started);
        List<LoggedRequest> requests = todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/comments")));
        assertThat(requests).hasSize(1);
        assertThat(requests.getFirst().getHeader("X-Request-Id")).hasSize(36);
    }

    @Test
    void aCommentMadeButNotNotedBeforeACrashIsFoundByItsMarkerAndNotMadeAgain() throws Exception {
        RunEvent started = run(1, RunStarted.newBuilder().setAdapter("claude").build());
        String marker = OwnWrites.marker(started.getRunId(), "started");
        // the write is noted as intended and the comment made, then the process dies before noting it done
        WriteLog writes = ReportParts.writeLog();
        assertThatThrownBy(() -> writes.once(new WriteLog.Key("todoist", started.getRunId(), "started"), started.getTaskKey(),
                Optional::empty, () -> {
                    throw new IllegalStateException("killed after the POST");
                })).hasMessage("killed after the POST");
        todoist.stubFor(get(urlPathEqualTo("/api/v1/comments")).withQueryParam("task_id", equalTo("T1")).willReturn(okJson(
                "{\"results\":[{\"id\":\"c-other\",\"content\":\"a person's note\"},{\"id\":\"c-made\",\"content\":"
                + ReportParts.json("Working on it (attempt 1/3).\n\n" + marker) + "}],\"next_cursor\":null}")));

        sink.write(started);

        todoist.verify(0, postRequestedFor(urlEqualTo("/api/v1/comments")));
        todoist.verify(getRequestedFor(urlPathEqualTo("/api/v1/comments")).withQueryParam("task_id", equalTo("T1")));
        assertThat(writes.find(new WriteLog.Key("todoist", started.getRunId(), "started")))
                .hasValueSatisfying(e -> assertThat(e.targetId()).isEqualTo("c-made"));
    }

    @Test
    void aFailingTodoistIsTriedAgainThenAnUnavailableTarget() {
        todoist.stubFor(post("/api/v1/comments").willReturn(aResponse().withStatus(503)));
        assertThatThrownBy(() -> sink.write(run(1, RunStarted.newBuilder().setAdapter("claude").build())))
                .isInstanceOf(TargetFault.Unavailable.class)
                .hasMessageContaining("Todoist POST /comments answered 503");
        todoist.verify(2, postRequestedFor(urlEqualTo("/api/v1/comments")));
    }

    @Test
    void withoutATokenTheSinkIsOffAndSaysWhichSettingTurnsItOn() throws Exception {
        TodoistProperties none = new TodoistProperties(URI.create(todoist.baseUrl() + "/api/v1"), "", 100,
                Duration.ofSeconds(5), new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), Duration.ofSeconds(1), null));
        assertThat(new TodoistSink(RestClient.builder(), none, new SimpleMeterRegistry(), ReportParts.writeLog()).offBecause())
                .hasValueSatisfying(why -> assertThat(why).contains("nightshift.report.todoist.api-token").contains("TODOIST_API_TOKEN"));
        assertThat(sink.offBecause()).isEmpty();
    }

    @Test
    void wantsOnlyTodoistTasksWithTodoistOutputs() {
        assertThat(sink.wants(run(1, RunStarted.newBuilder().setAdapter("claude").build()))).isTrue();
        RunEvent noOutputs = run(1, RunStarted.newBuilder().setAdapter("claude").build());
        noOutputs.setOutputs(OutputSinks.of(List.of()));
        assertThat(sink.wants(noOutputs)).isFalse();
        // written before outputs became a list: only the todoist field is set
        RunEvent older = run(1, RunStarted.newBuilder().setAdapter("claude").build());
        older.setOutputs(Outputs.newBuilder().setSinks(List.of()).setTodoist(TodoistOutput.newBuilder().build()).build());
        assertThat(sink.wants(older)).isTrue();
    }

    /** A comment's body as the sink sends it: the text, then the marker of the run's write. */
    private String comment(String text, int attempt, String write) {
        return "{\"task_id\":\"T1\",\"content\":" + ReportParts.json(text + "\n\n" + OwnWrites.marker(runPrefix + "-" + attempt, write)) + "}";
    }

    private static RunFinished finished(Outcome outcome, String summary, String reason) {
        return RunFinished.newBuilder().setOutcome(outcome).setSummary(summary).setReason(reason).setDurationMillis(1234).build();
    }

    private RunEvent run(int attempt, Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("todoist:T1")
                .setRunId(runPrefix + "-" + attempt)
                .setAttempt(attempt)
                .setMaxAttempts(3)
                .setWorker("writer")
                .setOccurredAt(Instant.parse("2026-11-21T10:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("T1").setTitle("Write a post").build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder()
                        .setDoneLabel("agent-done").setFailedLabel("agent-failed").build())))
                .setBody(body)
                .build();
    }
}
