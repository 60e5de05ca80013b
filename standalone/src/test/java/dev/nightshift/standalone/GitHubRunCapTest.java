package dev.nightshift.standalone;

import static dev.nightshift.standalone.RunningNightshift.GITHUB_SECRET;
import static dev.nightshift.standalone.RunningNightshift.REPOSITORY;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.report.ReportApplication;
import dev.nightshift.testkit.GitHubWebhooks;
import dev.nightshift.testkit.SharedInfrastructure;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TopicReader;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs per hour per author, through a real ingest replica of its own (its counts are its own) on the real broker,
 * and a report of its own whose GitHub sink writes to a stand-in GitHub: an author past the cap starts nothing
 * more and is told so once, and another author is not held up.
 */
@Timeout(180)
class GitHubRunCapTest {

    private static final WireMockServer github = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().http2PlainDisabled(true));
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static RunningNightshift nightshift;
    private static ConfigurableApplicationContext ingest;
    private static ConfigurableApplicationContext report;

    @BeforeAll
    static void start() throws Exception {
        nightshift = RunningNightshift.get();
        github.start();
        // every write succeeds: this report also writes back the suite's earlier GitHub runs, which nothing here reads
        github.stubFor(any(anyUrl()).willReturn(okJson("{\"id\":4242}")));
        github.stubFor(get(urlPathMatching("/repos/.*/comments")).willReturn(okJson("[]")));
        ingest = nightshift.startIngestReplica(Map.of("nightshift.ingest.limits.runs-per-author-per-hour", 2));
        SharedInfrastructure infra = SharedInfrastructure.get();
        String prefix = "nightshift-report-cap-" + UUID.randomUUID();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        settings.put("nightshift.registry-url", infra.registryUrl());
        settings.put("nightshift.signing.key", TestSigningKey.KEY);
        settings.put("nightshift.report.group-prefix", prefix);
        settings.put("nightshift.report.github.api-base-url", github.baseUrl());
        settings.put("nightshift.report.github.api-token", "gh-report-token");
        settings.put("nightshift.report.github.limits.requests", 1000);
        settings.put("nightshift.report.github.limits.period", "1s");
        settings.put("nightshift.report.github.limits.sustained.requests", 1000);
        settings.put("nightshift.report.github.limits.sustained.period", "1s");
        settings.put("logging.include-application-name", false);
        report = Services.run(ReportApplication.builder(), settings, 0);
        awaitAssigned(infra.bootstrapServers(), prefix + "-github-tasks");
    }

    @AfterAll
    static void stop() {
        ingest.close();
        report.close();
        github.stop();
    }

    /** The replies' listener starts at the newest task event: it must have its partitions before the test sends. */
    private static void awaitAssigned(String bootstrap, String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.describeConsumerGroups(List.of(group)).all().get().get(group)
                    .members().stream().anyMatch(m -> !m.assignment().topicPartitions().isEmpty()));
        }
        Thread.sleep(1000);
    }

    @Test
    void pastTheAuthorsCapARequestIsNoRunAndAnotherAuthorIsUnaffected() throws Exception {
        // one reply per clock hour: the refused requests must fall in one, so a start just before the hour waits for it
        long untilHour = Duration.ofHours(1).toMillis() - System.currentTimeMillis() % Duration.ofHours(1).toMillis();
        if (untilHour < Duration.ofSeconds(90).toMillis()) {
            Thread.sleep(untilHour + 1000);
        }
        String author = "prolific-" + ThreadLocalRandom.current().nextInt(1_000_000);
        int[] issues = {newNumber(), newNumber(), newNumber(), newNumber()};

        assertThat(label(issues[0], author).body()).contains("\"result\":\"published\"");
        assertThat(label(issues[1], author).body()).contains("\"result\":\"published\"");
        HttpResponse<String> third = label(issues[2], author);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(third.body()).contains("\"result\":\"ignored\"")
                .contains(author + " has started 2 runs of worker fixer in the last hour (nightshift.ingest.limits.runs-per-author-per-hour)");
        assertThat(label(issues[3], author).body()).contains("\"result\":\"ignored\"");
        assertThat(label(issues[2], author).body()).as("the same request again is still not a run").contains("\"result\":\"ignored\"");

        int other = newNumber();
        assertThat(label(other, "bystander-" + author).body()).as("another author").contains("\"result\":\"published\"");

        assertThat(requests(issues[0])).hasSize(1);
        assertThat(requests(issues[1])).hasSize(1);
        assertThat(requests(issues[2])).as("no run requested past the cap").isEmpty();
        assertThat(requests(issues[3])).isEmpty();
        assertThat(requests(other)).hasSize(1);
        MeterRegistry meters = ingest.getBean(MeterRegistry.class);
        assertThat(meters.counter("nightshift.ingest.capped", "source", "github", "scope", "author").count()).isEqualTo(3.0);

        // one answer, on the first item past the cap, however many requests were refused
        String first = "/repos/" + REPOSITORY + "/issues/" + issues[2] + "/comments";
        await().atMost(Duration.ofSeconds(30)).until(() -> !github.findAll(postRequestedFor(urlEqualTo(first))).isEmpty());
        Thread.sleep(2000);
        List<LoggedRequest> replies = github.findAll(postRequestedFor(urlEqualTo(first)));
        assertThat(replies).hasSize(1);
        assertThat(replies.getFirst().getHeader("Authorization")).isEqualTo("Bearer gh-report-token");
        String body = JSON.readTree(replies.getFirst().getBodyAsString()).path("body").asString();
        assertThat(body).startsWith("Not started: " + author + " has started 2 runs of worker fixer in the last hour"
                + " (nightshift.ingest.limits.runs-per-author-per-hour).").contains(OwnWrites.MARKER);
        assertThat(github.findAll(postRequestedFor(urlEqualTo("/repos/" + REPOSITORY + "/issues/" + issues[3] + "/comments")))).isEmpty();
        assertThat(TopicReader.valuesFor(Topics.TASKS, "github:" + REPOSITORY + "#" + issues[2]).stream().map(TaskEvent.class::cast)
                .filter(e -> e.getBody() instanceof TaskDeclined)).as("one decline, for the first refused").hasSize(1);
        assertThat(TopicReader.valuesFor(Topics.TASKS, "github:" + REPOSITORY + "#" + issues[3])).isEmpty();
        // the bystander's run is written back as runs are: its tracking comment says it started, never "Not started"
        await().atMost(Duration.ofSeconds(60)).until(() -> !github.findAll(postRequestedFor(
                urlEqualTo("/repos/" + REPOSITORY + "/issues/" + other + "/comments"))).isEmpty());
        assertThat(github.findAll(postRequestedFor(urlEqualTo("/repos/" + REPOSITORY + "/issues/" + other + "/comments"))))
                .allSatisfy(r -> assertThat(r.getBodyAsString()).doesNotContain("Not started"));
    }

    /** The task API's token is one author: past its cap, 429 naming the cap, and nothing published. */
    @Test
    void theTaskApiPastItsCapIs429() throws Exception {
        String url = "http://127.0.0.1:" + ingest.getEnvironment().getRequiredProperty("local.server.port") + "/api/tasks";
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            answers.add(HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + RunningNightshift.API_TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"worker\":\"writer\",\"title\":\"Capped " + i + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(answers.subList(0, 2)).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(202));
        assertThat(answers.get(2).statusCode()).isEqualTo(429);
        assertThat(answers.get(2).body()).contains("capped")
                .contains("api-token has started 2 runs of worker writer in the last hour (nightshift.ingest.limits.runs-per-author-per-hour)");
    }

    /** The author opens an issue of their own, with the label: they are its author and the sender. */
    private static HttpResponse<String> label(int number, String login) throws Exception {
        String issue = GitHubWebhooks.issue(REPOSITORY, number, "Issue " + number, "Steps.", List.of("agent"), List.of(), false, login, "MEMBER");
        return GitHubWebhooks.send(RunningNightshift.webhookUrl(ingest, "github"), "issues",
                GitHubWebhooks.issues("opened", issue, REPOSITORY, "", login, "User"), GITHUB_SECRET, GitHubWebhooks.newDeliveryId());
    }

    private static List<TaskRequested> requests(int number) {
        return TopicReader.valuesFor(Topics.TASKS, "github:" + REPOSITORY + "#" + number).stream().map(TaskEvent.class::cast)
                .filter(e -> e.getBody() instanceof TaskRequested).map(e -> (TaskRequested) e.getBody()).toList();
    }

    private static int newNumber() {
        return ThreadLocalRandom.current().nextInt(100_000, 1_000_000_000);
    }
}
