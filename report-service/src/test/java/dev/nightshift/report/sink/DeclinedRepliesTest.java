package dev.nightshift.report.sink;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.report.ReportParts;
import dev.nightshift.report.linear.LinearProperties;
import dev.nightshift.report.linear.LinearSink;
import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.todoist.TodoistProperties;
import dev.nightshift.report.todoist.TodoistSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

/**
 * A request ingest declined (a {@code TaskDeclined} on nightshift.tasks) is answered once on its item, by the sink of
 * its source, against stand-ins asserting the exact requests; a sink whose source it is not leaves it.
 */
class DeclinedRepliesTest {

    private static final WireMockServer target = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final String REASON = "mallory has started 10 runs of worker writer in the last hour (nightshift.ingest.limits.runs-per-author-per-hour)";
    private static final Limits LOOSE = new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), Duration.ofSeconds(1), null);
    private String eventId;

    @BeforeAll
    static void start() {
        target.start();
    }

    @AfterAll
    static void stop() {
        target.stop();
    }

    @BeforeEach
    void setUp() {
        target.resetAll();
        eventId = UUID.randomUUID().toString();
    }

    @Test
    void todoistAnswersOnTheTaskOnce() throws Exception {
        target.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"c-declined\"}")));
        TodoistSink sink = new TodoistSink(RestClient.builder(), new TodoistProperties(URI.create(target.baseUrl() + "/api/v1"), "report-token",
                100, Duration.ofSeconds(5), LOOSE), new SimpleMeterRegistry(), ReportParts.writeLog());
        TaskEvent declined = declined("todoist:T7", TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("T7").setTitle("Draft")
                .setReference(TodoistTask.newBuilder().setId("T7").setProjectId("P1").build()).build(), TodoistOutput.newBuilder().build());

        assertThat(sink.acknowledgesTasks()).isTrue();
        assertThat(sink.wants(declined)).isTrue();
        sink.acknowledge(declined);
        sink.acknowledge(declined);

        target.verify(1, postRequestedFor(urlEqualTo("/api/v1/comments")).withRequestBody(equalToJson("{\"task_id\":\"T7\",\"content\":"
                + ReportParts.json(text() + "\n\n" + OwnWrites.marker(eventId, "declined")) + "}")));
        assertThat(target.getAllServeEvents()).hasSize(1);
        assertThat(sink.wants(declined("github:acme/api#1", gitHubTask(), GitHubOutput.newBuilder().build()))).as("not Todoist's").isFalse();
        assertThat(sink.wants(declined("todoist:T7", declined.getTask(), TodoistOutput.newBuilder().setComment(false).build())))
                .as("comments off").isFalse();
    }

    @Test
    void linearAnswersInTheSessionOrOnTheIssueOnce() throws Exception {
        target.stubFor(post("/graphql").withRequestBody(matchingJsonPath("$.query", containing("agentActivityCreate")))
                .willReturn(okJson("{\"data\":{\"agentActivityCreate\":{\"success\":true}}}")));
        target.stubFor(post("/graphql").withRequestBody(matchingJsonPath("$.query", containing("commentCreate")))
                .willReturn(okJson("{\"data\":{\"commentCreate\":{\"success\":true,\"comment\":{\"id\":\"lc-9\"}}}}")));
        LinearSink sink = new LinearSink(RestClient.builder(), new LinearProperties(URI.create(target.baseUrl() + "/graphql"), "lin_api_key", 100,
                Duration.ofSeconds(5), LOOSE), new SimpleMeterRegistry(), ReportParts.writeLog());
        TaskEvent inSession = declined("linear:ENG-9", linearTask("session-3"), LinearOutput.newBuilder().build());

        assertThat(sink.wants(inSession)).isTrue();
        sink.acknowledge(inSession);
        sink.acknowledge(inSession);
        target.verify(1, postRequestedFor(urlEqualTo("/graphql")).withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-3\",\"content\":{\"type\":\"response\",\"body\":" + ReportParts.json(text()) + "}}}"))));

        eventId = UUID.randomUUID().toString();
        TaskEvent onIssue = declined("linear:ENG-9", linearTask(null), LinearOutput.newBuilder().build());
        sink.acknowledge(onIssue);
        sink.acknowledge(onIssue);
        target.verify(1, postRequestedFor(urlEqualTo("/graphql")).withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"issueId\":\"issue-9\",\"body\":" + ReportParts.json(text() + "\n\n" + OwnWrites.marker(eventId, "declined")) + "}}"))));
        assertThat(target.getAllServeEvents()).hasSize(2);
    }

    private static String text() {
        return "Not started: " + REASON + ". Until more runs are free, further requests start nothing and get no other answer.";
    }

    private TaskEvent declined(String taskKey, TaskRef task, Object output) {
        return TaskEvent.newBuilder().setTaskKey(taskKey).setEventId(eventId).setOccurredAt(Instant.now()).setTask(task)
                .setBody(TaskDeclined.newBuilder().setReason(REASON).setWorker("writer").setAuthor("mallory")
                        .setOutputs(OutputSinks.of(List.of(output))).build())
                .build();
    }

    private static TaskRef gitHubTask() {
        return TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/api#1").setTitle("t")
                .setReference(GitHubIssue.newBuilder().setRepository("acme/api").setNumber(1).build()).build();
    }

    private static TaskRef linearTask(String session) {
        return TaskRef.newBuilder().setSource(Source.LINEAR).setSourceId("ENG-9").setTitle("Flaky test")
                .setReference(LinearIssue.newBuilder().setId("issue-9").setIdentifier("ENG-9").setAgentSessionId(session).build()).build();
    }
}
