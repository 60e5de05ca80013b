package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.Topics;
import dev.nightshift.report.sink.SinkListeners;
import dev.nightshift.testkit.ReportProcess;
import dev.nightshift.testkit.ReportTopics;
import dev.nightshift.testkit.TopicReader;
import dev.nightshift.testkit.TopicWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Report as a separate JVM, SIGKILLed between two writes of one event (the done comment made, the done label
 * not yet) and started again: the event comes again, the comment is not made twice, the label is set, and
 * nothing is missing or parked.
 */
class ReportCrashIT {

    private static final WireMockServer todoist = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));

    @BeforeAll
    static void start() throws Exception {
        todoist.start();
        ReportTopics.create();
    }

    @AfterAll
    static void stop() {
        todoist.stop();
    }

    @Test
    void killedBetweenTheDoneCommentAndTheLabelItWritesEachOnceAfterARestart() throws Exception {
        String task = "K" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String runId = "run-" + UUID.randomUUID();
        todoist.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"c-" + UUID.randomUUID() + "\"}")));
        todoist.stubFor(get(urlPathEqualTo("/api/v1/comments")).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        // the label's read is slow: report is killed while it waits for it, after the done comment was made
        todoist.stubFor(get("/api/v1/tasks/" + task).willReturn(okJson("{\"id\":\"" + task + "\",\"labels\":[\"writing\"]}").withFixedDelay(8_000)));
        todoist.stubFor(post("/api/v1/tasks/" + task).willReturn(okJson("{\"id\":\"" + task + "\"}")));
        Map<String, Object> settings = Map.of(
                "nightshift.report.group-prefix", "report-crash-" + UUID.randomUUID(),
                "nightshift.report.todoist.api-base-url", todoist.baseUrl() + "/api/v1",
                "nightshift.report.todoist.api-token", "report-token");
        Path log = Path.of("target", "report-crash-it", "report.log").toAbsolutePath();

        try (ReportProcess first = ReportProcess.start(log, settings).awaitWriting()) {
            send(event(task, runId, RunStarted.newBuilder().setAdapter("claude").build()));
            RunFinished done = RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Drafted it.")
                    .setDurationMillis(1_000).setFinalAttempt(true).build();
            send(event(task, runId, done));
            await().atMost(Duration.ofSeconds(60)).until(() -> comments(task).size() == 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> !todoist.findAll(WireMock.getRequestedFor(urlEqualTo("/api/v1/tasks/" + task))).isEmpty()
                    || first.log().contains("GET /tasks"));
            Thread.sleep(1_000);
            first.kill();
        }
        assertThat(todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/tasks/" + task)))).as("no label before the crash").isEmpty();

        todoist.stubFor(get("/api/v1/tasks/" + task).willReturn(okJson("{\"id\":\"" + task + "\",\"labels\":[\"writing\"]}")));
        try (ReportProcess second = ReportProcess.start(log, settings).awaitWriting()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/tasks/" + task))).size() == 1);
            Thread.sleep(3_000); // nothing more follows
        }
        List<LoggedRequest> comments = comments(task);
        assertThat(comments).hasSize(2);
        assertThat(comments.get(0).getBodyAsString()).contains("Working on it");
        assertThat(comments.get(1).getBodyAsString()).contains("Done. Ready for review.");
        todoist.verify(1, postRequestedFor(urlEqualTo("/api/v1/tasks/" + task))
                .withRequestBody(WireMock.equalToJson("{\"labels\":[\"writing\",\"agent-done\"]}")));
        assertThat(TopicReader.valuesFor(SinkListeners.deadLetters("todoist"), "todoist:" + task)).isEmpty();
    }

    private static List<LoggedRequest> comments(String task) {
        return todoist.findAll(postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(matchingJsonPath("$.task_id", WireMock.equalTo(task))));
    }

    private static RunEvent event(String task, String runId, Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("todoist:" + task)
                .setRunId(runId)
                .setAttempt(1)
                .setMaxAttempts(1)
                .setWorker("writer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(task).setTitle("Write a post").build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder().setDoneLabel("agent-done").build())))
                .setBody(body)
                .build();
    }

    private static void send(RunEvent event) throws Exception {
        TopicWriter.send(Topics.RUNS, event.getTaskKey(), event);
    }
}
