package dev.nightshift.standalone;


import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import dev.nightshift.ingest.IngestApplication;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.StandInAgent;
import dev.nightshift.testkit.TestSigningKey;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * All three services on the shared broker and registry, with a stand-in Todoist (WireMock) and the
 * stand-in Claude Code script as the agent binary. Started once per test run; tests tell their work
 * apart by task id.
 */
public final class RunningNightshift {

    public static final String CLIENT_SECRET = "test-client-secret";
    public static final String GITHUB_SECRET = "test-github-webhook-secret";
    public static final String LINEAR_SECRET = "test-linear-webhook-secret";
    public static final String API_TOKEN = "test-api-token";
    /** The bearer token of the management endpoints (all but health and prometheus). */
    public static final String MANAGEMENT_TOKEN = "test-management-token";
    /** The Linear user Nightshift writes as: its changes never start work. */
    public static final String LINEAR_OWN_USER = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    /** The repository the GitHub workers watch. */
    public static final String REPOSITORY = "acme/api";
    /** The login Nightshift writes to GitHub as: its events never start work. */
    public static final String OWN_LOGIN = "nightshift-writer";
    public static final String PROJECT_ID = "6Jf8VQXxpwv56VQ7";
    public static final String NAMED_PROJECT_ID = "6Jf8VQXxpwvNAMED";
    public static final String NAMED_PROJECT = "LinkedIn Writer";
    /** The project of a worker that gets two attempts and a failed label. */
    public static final String RETRY_PROJECT_ID = "6Jf8VQXxpwvRETRY";
    /** A task Todoist answers 404 for, as when it was deleted meanwhile. */
    public static final String DELETED_TASK_ID = "6X7rDELETEDtask1";
    /** A project whose lookup fails, as when Todoist's API is down. */
    public static final String UNREADABLE_PROJECT_ID = "6Jf8VQXxUNREADABLE";
    /** A project whose lookup never answers in time. */
    /** A project the token's user cannot see: Todoist answers 404 to its look-up. */
    public static final String INVISIBLE_PROJECT_ID = "6Jf8VQXxINVISIBLE";
    public static final String SLOW_PROJECT_ID = "6Jf8VQXxSLOWPROJECT";
    /** A project whose worker's runs may last two minutes: long enough to be cancelled while they run. */
    public static final String PATIENT_PROJECT_ID = "6Jf8VQXxPATIENT";
    /** A project whose worker only ObservabilityTest uses, so the meters tagged with it count that test's runs alone. */
    public static final String OBSERVED_PROJECT_ID = "6Jf8VQXxOBSERVED";
    /** A project whose worker files its drafts in Airtable too. */
    public static final String DRAFTS_PROJECT_ID = "6Jf8VQXxpwDRAFTS";
    /** The drafts table's path on the stand-in server (Airtable's API under /airtable/v0). */
    public static final String AIRTABLE_DRAFTS = "/airtable/v0/appN1ghtsh1ftDraf/Drafts";
    /** The OTLP/HTTP trace receiver on the stand-in server. */
    public static final String OTLP_TRACES = "/otlp/v1/traces";
    /** Linear's GraphQL endpoint on the stand-in server. */
    public static final String LINEAR_PATH = "/linear/graphql";

    private static RunningNightshift instance;

    public final WireMockServer todoist;
    public final Services services;
    public final Path workspaces;
    public final Path catalogue;
    private final Map<String, Object> settings;

    private RunningNightshift(WireMockServer todoist, Services services, Path workspaces, Path catalogue, Map<String, Object> settings) {
        this.todoist = todoist;
        this.services = services;
        this.workspaces = workspaces;
        this.catalogue = catalogue;
        this.settings = settings;
    }

    /** Another ingest replica with the same settings, on its own port; the caller closes it. */
    public ConfigurableApplicationContext startIngestReplica() {
        return startIngestReplica(Map.of());
    }

    /** Another ingest replica with these settings changed. */
    public ConfigurableApplicationContext startIngestReplica(Map<String, ?> changed) {
        Map<String, Object> replica = new LinkedHashMap<>(settings);
        replica.putAll(changed);
        return Services.run(IngestApplication.builder(), replica, 0);
    }

    public static String webhookUrl(ConfigurableApplicationContext ingest, String source) {
        return "http://127.0.0.1:" + ingest.getEnvironment().getRequiredProperty("local.server.port") + "/webhooks/" + source;
    }

    public static synchronized RunningNightshift get() {
        if (instance == null) {
            try {
                instance = start();
            } catch (IOException e) {
                throw new IllegalStateException("could not start Nightshift for the tests", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                instance.services.close();
                instance.todoist.stop();
            }, "test-nightshift-shutdown"));
        }
        return instance;
    }

    private static RunningNightshift start() throws IOException {
        SharedInfrastructure infra = SharedInfrastructure.get();
        WireMockServer todoist = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
        todoist.start();
        stubTodoist(todoist);

        StandInAgent standIn = StandInAgent.install("nightshift-it-");
        Path open = standIn.dir();
        Path claude = standIn.agent();
        Path workspaces = Files.createDirectory(open.resolve("workspaces"));
        Path catalogue = Files.writeString(open.resolve("workers.yml"), """
                workers:
                  - name: writer
                    trigger:
                      todoist:
                        project: %s
                    goal: |
                      {{title}}
                      {{description}}
                    agent:
                      adapter: claude
                      model: sonnet
                      allowed-tools: [Read, Write]
                      workdir: writer
                    budget:
                      wall-time: 5s
                      max-turns: 5
                      max-cost-usd: 0.5
                      max-attempts: 1
                    outputs:
                      todoist:
                        done-label: agent-done
                  - name: patient
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 2m
                      max-attempts: 2
                    outputs:
                      todoist:
                        done-label: agent-done
                  - name: drafter
                    trigger:
                      todoist:
                        project: %s
                    goal: "Draft {{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - todoist: {}
                      - airtable:
                          base: appN1ghtsh1ftDraf
                          table: Drafts
                          fields:
                            Title: "{{title}}"
                            Body: "{{file:draft.md}}"
                            Status: Draft
                            Task: "{{task}}"
                  - name: observed
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - todoist: {done-label: agent-done}
                  - name: retrier
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 2
                    outputs:
                      todoist:
                        done-label: agent-done
                        failed-label: agent-failed
                  - name: named
                    trigger:
                      todoist:
                        project: %s
                    goal: "{{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                    outputs:
                      todoist:
                        done-label: agent-done
                  - name: fixer
                    trigger:
                      github:
                        repository: %s
                        label: agent
                        assignee: nightshift-bot
                        mention: "@nightshift"
                    goal: |
                      Fix {{url}}: {{title}}
                      {{description}}
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - github:
                          working-label: agent-working
                          done-label: agent-done
                  - name: reviewer
                    trigger:
                      github:
                        repository: %s
                        pull-requests: true
                    goal: "Review {{url}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - github: {}
                  - name: auditor
                    trigger:
                      github:
                        repository: %s
                        push-branch: main
                    goal: "Audit {{title}}"
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - github: {comment: false}
                  - name: linear-fixer
                    trigger:
                      linear:
                        team: ENG
                        label: agent
                        agent-sessions: true
                    goal: |
                      {{title}}
                      {{description}}
                    agent:
                      adapter: claude
                    budget:
                      wall-time: 5s
                      max-attempts: 1
                    outputs:
                      - linear: {started-state: In Progress, review-state: In Review}
                """.formatted(PROJECT_ID, PATIENT_PROJECT_ID, DRAFTS_PROJECT_ID, OBSERVED_PROJECT_ID, RETRY_PROJECT_ID, NAMED_PROJECT, REPOSITORY, REPOSITORY, REPOSITORY));

        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        settings.put("nightshift.registry-url", infra.registryUrl());
        settings.put("nightshift.ingest.workers-file", catalogue);
        settings.put("nightshift.ingest.todoist.client-secret", CLIENT_SECRET);
        settings.put("nightshift.ingest.todoist.api-base-url", todoist.baseUrl() + "/api/v1");
        settings.put("nightshift.ingest.todoist.api-token", "ingest-token");
        settings.put("nightshift.ingest.github.webhook-secret", GITHUB_SECRET);
        settings.put("nightshift.ingest.github.own-logins", OWN_LOGIN);
        settings.put("nightshift.ingest.linear.webhook-secret", LINEAR_SECRET);
        settings.put("nightshift.ingest.linear.own-user-ids", LINEAR_OWN_USER);
        settings.put("nightshift.ingest.api.token", API_TOKEN);
        // the suite's tests share this ingest and a few authors; the caps are tested on a replica of their own
        settings.put("nightshift.ingest.limits.runs-per-hour", 1_000_000);
        settings.put("nightshift.ingest.limits.runs-per-author-per-hour", 1_000_000);
        settings.put("nightshift.management.token", MANAGEMENT_TOKEN);
        settings.put("nightshift.report.todoist.api-base-url", todoist.baseUrl() + "/api/v1");
        settings.put("nightshift.report.todoist.api-token", "report-token");
        // spans leave for a stand-in OTLP collector (off unless an endpoint is set)
        settings.put("management.opentelemetry.tracing.export.otlp.endpoint", todoist.baseUrl() + OTLP_TRACES);
        settings.put("nightshift.report.airtable.api-url", todoist.baseUrl() + "/airtable/v0");
        settings.put("nightshift.report.airtable.api-token", "airtable-token");
        // Linear on the same stand-in server, its limit loosened so a test's writes do not queue behind the last's
        settings.put("nightshift.report.linear.api-url", todoist.baseUrl() + LINEAR_PATH);
        settings.put("nightshift.report.linear.api-key", "linear-key");
        settings.put("nightshift.report.linear.limits.requests", 50);
        settings.put("nightshift.report.linear.limits.period", "1s");
        settings.put("nightshift.dispatch.agents.claude.binary", claude);
        settings.put("nightshift.dispatch.workspaces-root", workspaces);
        settings.put("nightshift.dispatch.workdirs-root", Path.of("target/test-classes/workdirs").toAbsolutePath());
        settings.put("nightshift.dispatch.kill-grace", "2s");
        settings.put("nightshift.dispatch.retry-backoff", "200ms");
        settings.put("nightshift.dispatch.sandbox.kind", SharedInfrastructure.sandboxKind());
        // as in production: the egress proxy is the only way out (the stand-in reaches for nothing on the list)
        settings.put("nightshift.dispatch.sandbox.network", "allowlist");
        settings.put("nightshift.dispatch.spend.daily-ceiling-usd", 1_000_000);
        settings.put("nightshift.dispatch.lease-ttl", "6s");
        settings.put("nightshift.signing.key", TestSigningKey.KEY);
        settings.put("logging.include-application-name", false);
        return new RunningNightshift(todoist, Services.start(settings, 0, 0, 0), workspaces, catalogue, settings);
    }

    /** Todoist as the tests need it: comments and label writes succeed, every task starts labelled "writing". */
    private static void stubTodoist(WireMockServer todoist) {
        todoist.stubFor(post("/api/v1/comments").willReturn(okJson("{\"id\":\"comment-1\"}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/comments/[^/]+")).willReturn(okJson("{\"id\":\"comment-1\"}")));
        todoist.stubFor(WireMock.get(urlPathMatching("/api/v1/comments")).willReturn(okJson("{\"results\":[],\"next_cursor\":null}")));
        todoist.stubFor(post("/api/v1/comments").atPriority(1)
                .withRequestBody(WireMock.matchingJsonPath("$.task_id", WireMock.equalTo(DELETED_TASK_ID)))
                .willReturn(WireMock.aResponse().withStatus(404).withBody("Task not found")));
        todoist.stubFor(WireMock.get(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\",\"labels\":[\"writing\"]}")));
        todoist.stubFor(post(urlPathMatching("/api/v1/tasks/[^/]+")).willReturn(okJson("{\"id\":\"t\"}")));
        todoist.stubFor(WireMock.get("/api/v1/projects/" + NAMED_PROJECT_ID).willReturn(okJson("{\"id\":\"" + NAMED_PROJECT_ID + "\",\"name\":\"" + NAMED_PROJECT + "\"}")));
        todoist.stubFor(WireMock.get("/api/v1/projects/" + UNREADABLE_PROJECT_ID).willReturn(WireMock.serverError()));
        todoist.stubFor(WireMock.get("/api/v1/projects/" + INVISIBLE_PROJECT_ID).willReturn(WireMock.notFound()
                .withHeader("Content-Type", "application/json").withBody("{\"error\":\"Project not found\"}")));
        todoist.stubFor(WireMock.get("/api/v1/projects/" + SLOW_PROJECT_ID).willReturn(okJson("{\"name\":\"Late\"}").withFixedDelay(15_000)));
        todoist.stubFor(WireMock.get(urlPathMatching("/api/v1/projects/[^/]+")).atPriority(10).willReturn(okJson("{\"id\":\"p\",\"name\":\"Groceries\"}")));
        // any table: other tests' report deployments publish run events for their own bases on the shared topic
        todoist.stubFor(WireMock.patch(urlPathMatching("/airtable/v0/.+")).willReturn(okJson("{\"records\":[]}")));
        todoist.stubFor(post(OTLP_TRACES).willReturn(WireMock.aResponse().withStatus(200)));
        // Linear: one answer carrying every field report reads, whatever the operation
        todoist.stubFor(post(LINEAR_PATH).willReturn(okJson("""
                {"data":{"agentActivityCreate":{"success":true},"commentCreate":{"success":true,"comment":{"id":"linear-comment-1"}},
                "commentUpdate":{"success":true},"issueUpdate":{"success":true},"issueAddLabel":{"success":true},
                "issue":{"team":{"id":"team-eng"},"comments":{"nodes":[],"pageInfo":{"hasNextPage":false,"endCursor":null}}},
                "workflowStates":{"nodes":[{"id":"state-1","name":"In Progress"}]},"issueLabels":{"nodes":[{"id":"label-1","name":"agent-done"}]},
                "viewer":{"id":"nightshift"}}}""")));
    }

    public String webhookUrl() {
        return webhookUrl("todoist");
    }

    public String webhookUrl(String source) {
        return "http://127.0.0.1:" + services.ingestPort() + "/webhooks/" + source;
    }
}
