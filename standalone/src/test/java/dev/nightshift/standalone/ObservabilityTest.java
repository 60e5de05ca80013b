package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nightshift.testkit.TodoistWebhooks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What operators see: every service's /actuator/prometheus scraped before and after one task run end to end
 * (its own worker, so the meters tagged with it count this run alone), and the Grafana dashboard's queries
 * checked against the meters the services really publish.
 */
@Timeout(120)
class ObservabilityTest {

    private static final Path DASHBOARD = Path.of("../k8s/base/monitoring/nightshift-dashboard.json");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void aRunIsCountedInEveryServicesMetersAndTheDashboardAsksOnlyForMetersThatExist() throws Exception {
        Map<String, Double> before = scrapeAll();
        String taskId = EndToEndTest.newTaskId();
        EndToEndTest.assertPublished(TodoistWebhooks.itemAdded(taskId, RunningNightshift.OBSERVED_PROJECT_ID, "Observe me"));
        EndToEndTest.awaitRequests(taskId, 4);
        Thread.sleep(1_000); // the last write's meters
        Map<String, Double> after = scrapeAll();

        assertThat(delta(before, after, "nightshift_ingest_webhooks_total{result=\"published\",source=\"todoist\"}")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "nightshift_ingest_publish_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(delta(before, after, "nightshift_dispatch_runs_seconds_count{adapter=\"claude\",outcome=\"succeeded\",worker=\"observed\"}")).isEqualTo(1);
        // the stand-in agent's result line: $0.0312, 12 tokens in, 60 out
        assertThat(delta(before, after, "nightshift_dispatch_cost_usd_total{worker=\"observed\"}")).isCloseTo(0.0312, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(delta(before, after, "nightshift_dispatch_tokens_total{kind=\"input\",worker=\"observed\"}")).isEqualTo(12);
        assertThat(delta(before, after, "nightshift_dispatch_tokens_total{kind=\"output\",worker=\"observed\"}")).isEqualTo(60);
        assertThat(delta(before, after, "nightshift_report_writes_total{kind=\"RunFinished\",sink=\"todoist\"}")).isGreaterThanOrEqualTo(1);
        // the started and done comments, the labels read and written
        assertThat(delta(before, after, "nightshift_report_calls_total{status=\"ok\",target=\"todoist\"}")).isGreaterThanOrEqualTo(4);
        assertThat(after).containsKeys("nightshift_dispatch_runs_in_flight", "nightshift_dispatch_spend_today_usd", "nightshift_dispatch_spend_ceiling_usd");
        assertThat(after.keySet()).anyMatch(k -> k.startsWith("nightshift_report_rate_waits_seconds_count{target=\"todoist\"}"));
        assertThat(after.keySet()).as("consumer lag of dispatch's group").anyMatch(k -> k.startsWith("kafka_consumer_fetch_manager_records_lag_max{")
                && k.contains("client_id=\"consumer-nightshift-dispatch"));

        Set<String> published = new TreeSet<>();
        after.keySet().forEach(k -> published.add(k.replaceFirst("\\{.*", "")));
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        Set<String> asked = new TreeSet<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> {
            Matcher m = Pattern.compile("\\b((?:nightshift|kafka|jvm|process|http)_[a-z0-9_]+)").matcher(target.path("expr").asString());
            while (m.find()) {
                asked.add(m.group(1));
            }
        }));
        assertThat(asked).as("the dashboard's meters").hasSizeGreaterThan(10);
        assertThat(published).as("meters the services publish").containsAll(asked);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String sample) {
        assertThat(after).as("published: " + sample).containsKey(sample);
        return after.get(sample) - before.getOrDefault(sample, 0.0);
    }

    /** Every sample of the three services, by name and labels (labels sorted, as Prometheus writes them). */
    private static Map<String, Double> scrapeAll() throws Exception {
        Map<String, Double> samples = new HashMap<>();
        for (int port : new int[] {nightshift.services.ingestPort(), nightshift.services.dispatchPort(), nightshift.services.reportPort()}) {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            body.lines().filter(l -> !l.startsWith("#")).forEach(line -> {
                Matcher m = SAMPLE.matcher(line);
                if (m.find()) {
                    samples.merge(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)), Double::sum);
                }
            });
        }
        return samples;
    }
}
