package dev.nightshift.report.linear;

import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;
import dev.nightshift.report.ReportParts;
import dev.nightshift.report.linear.LinearProperties;
import dev.nightshift.report.linear.LinearSink;
import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.target.TargetFault;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.client.RestClient;

/** The Linear sink against a stand-in GraphQL API: the exact operations and variables, and errors answered with 200. */
class LinearSinkTest {

    private static final WireMockServer linear = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final String ISSUE = "9b1e4b1c-0000-4000-8000-000000000042";
    private LinearSink sink;
    private String runId;

    @BeforeAll
    static void start() {
        linear.start();
    }

    @AfterAll
    static void stop() {
        linear.stop();
    }

    @BeforeEach
    void setUp() throws Exception {
        linear.resetAll();
        stub("commentCreate", "{\"data\":{\"commentCreate\":{\"success\":true,\"comment\":{\"id\":\"lc-1\"}}}}");
        stub("commentUpdate", "{\"data\":{\"commentUpdate\":{\"success\":true}}}");
        stub("issue(id: $id) { team", "{\"data\":{\"issue\":{\"team\":{\"id\":\"team-eng\"}}}}");
        linear.stubFor(operation("workflowStates").withRequestBody(matchingJsonPath("$.variables.name", equalTo("In Progress")))
                .willReturn(okJson("{\"data\":{\"workflowStates\":{\"nodes\":[{\"id\":\"state-started\",\"name\":\"In Progress\"}]}}}")));
        linear.stubFor(operation("workflowStates").withRequestBody(matchingJsonPath("$.variables.name", equalTo("In Review")))
                .willReturn(okJson("{\"data\":{\"workflowStates\":{\"nodes\":[{\"id\":\"state-review\",\"name\":\"In Review\"}]}}}")));
        stub("issueUpdate", "{\"data\":{\"issueUpdate\":{\"success\":true}}}");
        stub("issueLabels", "{\"data\":{\"issueLabels\":{\"nodes\":[{\"id\":\"label-done\",\"name\":\"agent-done\"}]}}}");
        stub("issueAddLabel", "{\"data\":{\"issueAddLabel\":{\"success\":true}}}");
        stub("agentActivityCreate", "{\"data\":{\"agentActivityCreate\":{\"success\":true}}}");
        LinearProperties properties = new LinearProperties(URI.create(linear.baseUrl() + "/graphql"), "lin_api_key", 100, Duration.ofSeconds(5),
                new Limits(1000, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), Duration.ofSeconds(1), null));
        sink = new LinearSink(RestClient.builder(), properties, new SimpleMeterRegistry(), ReportParts.writeLog());
        runId = "run-" + UUID.randomUUID();
    }

    @Test
    void anIssueRunCommentsAndMovesToTheStartedStateThenEditsTheResultMovesToReviewAndLabels() {
        sink.write(run(null, RunStarted.newBuilder().setAdapter("claude").build()));

        linear.verify(called("commentCreate").withHeader("Authorization", equalTo("lin_api_key"))
                .withRequestBody(matchingJsonPath("$.variables", equalToJson("{\"input\":{\"issueId\":\"" + ISSUE + "\",\"body\":"
                        + ReportParts.json("Working on it (attempt 1/1).\n\n" + OwnWrites.marker(runId, "comment")) + "}}"))));
        linear.verify(called("issueUpdate").withRequestBody(matchingJsonPath("$.variables",
                equalToJson("{\"id\":\"" + ISSUE + "\",\"input\":{\"stateId\":\"state-started\"}}"))));

        sink.write(run(null, RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Fixed the flaky test.")
                .setDurationMillis(5).setFinalAttempt(true).build()));
        linear.verify(called("commentUpdate").withRequestBody(matchingJsonPath("$.variables", equalToJson("{\"id\":\"lc-1\",\"input\":{\"body\":"
                + ReportParts.json("Done. Ready for review.\n\nFixed the flaky test.\n\n" + OwnWrites.marker(runId, "comment")) + "}}"))));
        linear.verify(called("issueUpdate").withRequestBody(matchingJsonPath("$.variables",
                equalToJson("{\"id\":\"" + ISSUE + "\",\"input\":{\"stateId\":\"state-review\"}}"))));
        linear.verify(called("issueAddLabel").withRequestBody(matchingJsonPath("$.variables",
                equalToJson("{\"id\":\"" + ISSUE + "\",\"labelId\":\"label-done\"}"))));
        linear.verify(1, called("commentCreate"));

        // a state's id is looked up once per team and name
        runId = "run-" + UUID.randomUUID();
        sink.write(run(null, RunStarted.newBuilder().setAdapter("claude").build()));
        linear.verify(1, called("workflowStates").withRequestBody(matchingJsonPath("$.variables.name", equalTo("In Progress"))));
    }

    @Test
    void anAgentSessionGetsAThoughtAnActionPerStepAndAResponse() {
        sink.write(run("session-7", RunStarted.newBuilder().setAdapter("claude").build()));
        sink.write(run("session-7", RunProgress.newBuilder().setSequence(1).setLine("Reading CLAUDE.md").build()));
        sink.write(run("session-7", RunProgress.newBuilder().setSequence(1).setLine("Reading CLAUDE.md").build()));
        sink.write(run("session-7", RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Done it.")
                .setDurationMillis(5).setFinalAttempt(true).build()));

        linear.verify(called("agentActivityCreate").withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-7\",\"content\":{\"type\":\"thought\",\"body\":\"Working on it (attempt 1/1).\"}}}"))));
        linear.verify(1, called("agentActivityCreate").withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-7\",\"content\":{\"type\":\"action\",\"action\":\"Reading\",\"parameter\":\"CLAUDE.md\"}}}"))));
        linear.verify(called("agentActivityCreate").withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-7\",\"content\":{\"type\":\"response\",\"body\":\"Done. Ready for review.\\n\\nDone it.\"}}}"))));
        linear.verify(0, called("commentCreate"));
    }

    @Test
    void aFailedSessionRunEndsWithAnError() {
        sink.write(run("session-8", RunFinished.newBuilder().setOutcome(Outcome.FAILED).setReason("tests failed")
                .setDurationMillis(5).setFinalAttempt(true).build()));
        linear.verify(called("agentActivityCreate").withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-8\",\"content\":{\"type\":\"error\",\"body\":\"Failed (attempt 1/1): tests failed\"}}}"))));
    }

    @Test
    void errorsInA200AreFailuresAndAGoneSessionIsNotRetried() {
        linear.stubFor(operation("agentActivityCreate").atPriority(1).willReturn(okJson(
                "{\"data\":null,\"errors\":[{\"message\":\"Entity not found: AgentSession\",\"extensions\":{\"code\":\"INVALID_INPUT\"}}]}")));
        assertThatThrownBy(() -> sink.write(run("session-gone", RunStarted.newBuilder().setAdapter("claude").build())))
                .isInstanceOf(TargetFault.Refused.class).hasMessageContaining("Entity not found");
        linear.verify(1, called("agentActivityCreate"));

        linear.stubFor(operation("agentActivityCreate").atPriority(1).willReturn(okJson(
                "{\"errors\":[{\"message\":\"Rate limit exceeded\",\"extensions\":{\"code\":\"RATELIMITED\"}}]}")));
        runId = "run-" + UUID.randomUUID();
        assertThatThrownBy(() -> sink.write(run("session-busy", RunStarted.newBuilder().setAdapter("claude").build())))
                .isInstanceOf(TargetFault.RateLimited.class);

        linear.stubFor(operation("commentCreate").atPriority(1).willReturn(okJson(
                "{\"errors\":[{\"message\":\"Authentication required\",\"extensions\":{\"code\":\"AUTHENTICATION_ERROR\"}}]}")));
        runId = "run-" + UUID.randomUUID();
        assertThatThrownBy(() -> sink.write(run(null, RunStarted.newBuilder().setAdapter("claude").build())))
                .isInstanceOf(TargetFault.CredentialRejected.class);
        assertThat(sink.gate().closedBecause()).isPresent();
    }

    @Test
    void aSessionRequestIsAcknowledgedOncePerTaskVersionWithAThought() {
        TaskEvent request = TaskEvent.newBuilder().setTaskKey("linear:ENG-42").setEventId("e-1").setOccurredAt(Instant.now())
                .setTask(run("session-9", RunStarted.newBuilder().setAdapter("claude").build()).getTask())
                .setBody(TaskRequested.newBuilder().setTaskVersion("session:" + runId).setPrompt("p")
                        .setWorker(WorkerSpec.newBuilder().setName("linear-fixer")
                                .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                                .setBudget(Budget.newBuilder().setWallTimeMillis(1000).build())
                                .setOutputs(OutputSinks.of(List.of(LinearOutput.newBuilder().build()))).build())
                        .build())
                .build();
        assertThat(sink.wants(request)).isTrue();

        sink.acknowledge(request);
        sink.acknowledge(request);

        linear.verify(1, called("agentActivityCreate").withRequestBody(matchingJsonPath("$.variables", equalToJson(
                "{\"input\":{\"agentSessionId\":\"session-9\",\"content\":{\"type\":\"thought\",\"body\":\"On it: linear-fixer has the task and starts shortly.\"}}}"))));
        linear.verify(1, called("agentActivityCreate"));
    }

    private static MappingBuilder operation(String name) {
        return post("/graphql").withRequestBody(matchingJsonPath("$.query", containing(name)));
    }

    private static void stub(String name, String answer) {
        linear.stubFor(operation(name).willReturn(okJson(answer)));
    }

    private static RequestPatternBuilder called(String name) {
        return postRequestedFor(urlEqualTo("/graphql")).withRequestBody(matchingJsonPath("$.query", containing(name)));
    }

    private RunEvent run(String session, Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("linear:ENG-42")
                .setRunId(runId)
                .setAttempt(1)
                .setMaxAttempts(1)
                .setWorker("linear-fixer")
                .setOccurredAt(Instant.parse("2026-11-21T10:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.LINEAR).setSourceId("ENG-42").setTitle("Flaky test")
                        .setReference(LinearIssue.newBuilder().setId(ISSUE).setIdentifier("ENG-42").setAgentSessionId(session).build()).build())
                .setOutputs(OutputSinks.of(List.of(LinearOutput.newBuilder().setStartedState("In Progress").setReviewState("In Review")
                        .setDoneLabel("agent-done").setFailedLabel("agent-failed").build())))
                .setBody(body)
                .build();
    }
}
