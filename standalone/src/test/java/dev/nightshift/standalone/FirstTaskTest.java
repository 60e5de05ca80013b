package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static dev.nightshift.standalone.StandaloneLaunch.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.testkit.LinearWebhooks;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.StandInAgent;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TodoistWebhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first task after start-up is as fast as the hundredth. The standalone is started as {@code ./nightshift run}
 * starts it, in a JVM of its own with its own broker, registry and data directory: nothing of it is warm (no
 * producer, transaction, schema cache, consumer group, class or JIT of it ran before), so the shared, already warm
 * harness of the other tests would make this check vacuous. Once it says it is running, a Todoist task and a
 * Linear agent session arrive together; each is answered where the person looks within a second: the Todoist
 * comment "Working on it" (webhook, ingest, dispatch's lease and run start, report), and the session's first
 * activity (webhook, ingest, report's acknowledgement). Measured from the webhook's send to the stand-in's receipt.
 */
@Timeout(300)
class FirstTaskTest {

    private static final String CLIENT_SECRET = "first-task-client-secret";
    private static final String LINEAR_SECRET = "first-task-linear-secret";
    private static final String PROJECT_ID = "6Jf8VQXxFIRSTTASK";
    private static final String LINEAR_PATH = "/linear/graphql";
    private static final long BOUND_MILLIS = 1000;

    @Test
    void theFirstTodoistTaskAndTheFirstLinearSessionAreAnsweredWithinASecond(@TempDir Path dir) throws Exception {
        WireMockServer standIn = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        standIn.start();
        Process nightshift = null;
        Path output = dir.resolve("standalone.log");
        try {
            stub(standIn);
            int ingest = StandaloneLaunch.freeRange(3);
            nightshift = StandaloneLaunch.awaitRunning(start(dir, output, standIn, ingest), output, Duration.ofSeconds(180));

            // the test's own HTTP clients warmed on the stand-in, not on Nightshift: their first connection is not Nightshift's cost
            TodoistWebhooks.send(standIn.baseUrl() + "/warm", "{}", CLIENT_SECRET, "warm");
            LinearWebhooks.send(standIn.baseUrl() + "/warm", "{}", LINEAR_SECRET, "warm");

            String taskId = "6X7rFIRST" + UUID.randomUUID().toString().substring(0, 8);
            String session = UUID.randomUUID().toString();
            String todoistBody = TodoistWebhooks.itemAdded(taskId, PROJECT_ID, "Write a short post");
            String linearBody = LinearWebhooks.session("created", session, "ENG-1", "Export does nothing", null, System.currentTimeMillis());
            String base = "http://127.0.0.1:" + ingest + "/webhooks/";
            long[] sent = new long[2];
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            CyclicBarrier together = new CyclicBarrier(2);
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                answers.add(senders.submit(() -> {
                    together.await();
                    sent[0] = System.currentTimeMillis();
                    return TodoistWebhooks.send(base + "todoist", todoistBody, CLIENT_SECRET, UUID.randomUUID().toString());
                }));
                answers.add(senders.submit(() -> {
                    together.await();
                    sent[1] = System.currentTimeMillis();
                    return LinearWebhooks.send(base + "linear", linearBody, LINEAR_SECRET, UUID.randomUUID().toString());
                }));
                for (Future<HttpResponse<String>> answer : answers) {
                    HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    assertThat(r.body()).contains("\"result\":\"published\"");
                }
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> workingOnIt(standIn, taskId).isPresent());
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> firstActivity(standIn, session).isPresent());
            long todoist = workingOnIt(standIn, taskId).orElseThrow().getLoggedDate().getTime() - sent[0];
            long linear = firstActivity(standIn, session).orElseThrow().getLoggedDate().getTime() - sent[1];
            System.out.printf("first task after start-up (sent at %s): Todoist webhook to \"Working on it\" %d ms; Linear agent session to its first activity %d ms%n",
                    Instant.ofEpochMilli(sent[0]), todoist, linear);
            assertThat(todoist).as("webhook to the Todoist comment \"Working on it\", ms\n" + log(output)).isLessThan(BOUND_MILLIS);
            assertThat(linear).as("agent session webhook to its first activity, ms\n" + log(output)).isLessThan(BOUND_MILLIS);
        } finally {
            if (nightshift != null) {
                nightshift.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook stops everything in order
                if (!nightshift.waitFor(90, TimeUnit.SECONDS)) {
                    nightshift.destroyForcibly();
                }
            }
            standIn.stop();
            // kept for whoever reads a failure: the fresh standalone's log, with its warm-up's phases and times
            Files.copy(output, Path.of("target/FirstTaskTest-standalone.log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The standalone's main class in a JVM of its own, on this module's class path, with a fresh data directory. */
    private static Process start(Path dir, Path output, WireMockServer standIn, int ingest) throws IOException {
        StandInAgent agent = StandInAgent.install("nightshift-first-task-");
        Path catalogue = dir.resolve("catalogue");
        Files.createDirectories(catalogue.resolve("workdirs"));
        Path workers = Files.writeString(catalogue.resolve("workers.yml"), """
                workers:
                  - name: writer
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 30s
                      max-attempts: 1
                    outputs:
                      todoist:
                        done-label: agent-done
                  - name: linear-fixer
                    trigger:
                      linear:
                        team: ENG
                        label: agent
                        agent-sessions: true
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 30s
                      max-attempts: 1
                    outputs:
                      - linear: {}
                """.formatted(PROJECT_ID));
        ProcessBuilder builder = StandaloneLaunch.builder(StandaloneLaunch.classPath(
                // the stand-ins: Todoist and Linear on the test's server
                "-Dnightshift.report.todoist.api-base-url=" + standIn.baseUrl() + "/api/v1",
                "-Dnightshift.ingest.todoist.api-base-url=" + standIn.baseUrl() + "/api/v1",
                "-Dnightshift.ingest.linear.webhook-secret=" + LINEAR_SECRET,
                "-Dnightshift.ingest.linear.own-user-ids=" + RunningNightshift.LINEAR_OWN_USER,
                "-Dnightshift.report.linear.api-url=" + standIn.baseUrl() + LINEAR_PATH,
                "-Dnightshift.report.linear.api-key=linear-key"),
                output, dir.resolve("nightshift-data"), workers,
                new StandaloneLaunch.Ports(StandaloneLaunch.freeRange(2), StandaloneLaunch.freeRange(2), ingest));
        var env = builder.environment();
        env.put("TODOIST_CLIENT_SECRET", CLIENT_SECRET);
        env.put("TODOIST_API_TOKEN", "todoist-token");
        env.put("CLAUDE_BINARY", agent.agent().toString());
        if (SharedInfrastructure.sandboxKind().equals("none")) {
            env.put("NIGHTSHIFT_UNSANDBOXED", "1");
        }
        env.putAll(TestSigningKey.environment());
        return builder.start();
    }

    private static void stub(WireMockServer standIn) {
        standIn.stubFor(post("/warm").willReturn(okJson("{}")));
        standIn.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"comment-1\"}")));
        standIn.stubFor(post(urlPathMatching("/api/v1/comments/[^/]+")).willReturn(okJson("{\"id\":\"comment-1\"}")));
        standIn.stubFor(WireMock.get(urlPathMatching("/api/v1/comments")).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        standIn.stubFor(WireMock.get(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\",\"labels\":[]}")));
        standIn.stubFor(post(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\"}")));
        standIn.stubFor(WireMock.get(urlPathMatching("/api/v1/projects/[^/]+")).willReturn(okJson("{\"id\":\"p\",\"name\":\"First\"}")));
        standIn.stubFor(post(LINEAR_PATH).willReturn(okJson("""
                {"data":{"agentActivityCreate":{"success":true},"commentCreate":{"success":true,"comment":{"id":"linear-comment-1"}},
                "commentUpdate":{"success":true},"issueUpdate":{"success":true},"issueAddLabel":{"success":true},
                "issue":{"team":{"id":"team-eng"},"comments":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":null}}},
                "workflowStates":{"nodes":[{"id":"state-1","name":"In Progress"}]},"issueLabels":{"nodes":[{"id":"label-1","name":"agent-done"}]},
                "viewer":{"id":"nightshift"}}}""")));
    }

    private static Optional<LoggedRequest> workingOnIt(WireMockServer standIn, String taskId) {
        return standIn.findAll(postRequestedFor(WireMock.urlEqualTo("/api/v1/comments"))
                        .withRequestBody(matchingJsonPath("$.task_id", WireMock.equalTo(taskId)))
                        .withRequestBody(WireMock.containing("Working on it"))).stream()
                .min((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()));
    }

    private static Optional<LoggedRequest> firstActivity(WireMockServer standIn, String session) {
        return standIn.findAll(postRequestedFor(WireMock.urlEqualTo(LINEAR_PATH))
                        .withRequestBody(matchingJsonPath("$.variables.input.agentSessionId", WireMock.equalTo(session)))).stream()
                .min((a, b) -> a.getLoggedDate().compareTo(b.getLoggedDate()));
    }
}
