package dev.nightshift.standalone;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.todoist.TodoistSignature;
import dev.nightshift.testkit.TodoistWebhooks;
import dev.nightshift.testkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One trace per task: a webhook sent with a W3C trace context is continued by ingest, carried on the task
 * record to dispatch, on the run records to report, and on report's requests to the target; and every
 * service's spans of it reach the OTLP collector. A trace that is not sampled (1 in 10 are, by default) travels
 * the same way, and exports nothing.
 */
@Timeout(120)
class TraceTest {

    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void oneTraceGoesFromTheWebhookThroughTheRunToTheWriteBack() throws Exception {
        byte[] unsampled = newTraceId();
        String unsampledTask = sendTraced(unsampled, "00");
        byte[] sampled = newTraceId();
        String sampledTask = sendTraced(sampled, "01");

        assertOneTraceThroughout(sampledTask, HexFormat.of().formatHex(sampled));
        // and each service exported spans of it (OTLP protobuf: the trace id's 16 bytes, the service's name)
        await().atMost(Duration.ofSeconds(30)).until(() -> servicesWithSpansOf(sampled).size() == 3);
        assertThat(servicesWithSpansOf(sampled)).containsExactly("nightshift-dispatch", "nightshift-ingest", "nightshift-report");

        // the unsampled trace went the same way, and (its spans being older than the sampled one's) exported nothing
        assertOneTraceThroughout(unsampledTask, HexFormat.of().formatHex(unsampled));
        assertThat(servicesWithSpansOf(unsampled)).isEmpty();
    }

    /** Without a trace context, whether or not ingest samples the new trace: one trace id from the task record to the writes. */
    @Test
    void aWebhookWithoutATraceContextStartsOneTraceThatTheTaskKeeps() throws Exception {
        String taskId = EndToEndTest.newTaskId();
        HttpResponse<String> answer = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Trace me, untold"), RunningNightshift.CLIENT_SECRET,
                UUID.randomUUID().toString());
        assertThat(answer.body()).contains("\"result\":\"published\"");
        EndToEndTest.awaitRequests(taskId, 4);
        String traceId = traceOf(TopicReader.readAll(Topics.TASKS).stream().filter(r -> ("todoist:" + taskId).equals(r.key())).findFirst().orElseThrow());
        assertOneTraceThroughout(taskId, traceId);
    }

    private static byte[] newTraceId() {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return id;
    }

    /** Sends a webhook carrying this trace, sampled ("01") or not ("00"); returns the Todoist task id. */
    private static String sendTraced(byte[] id, String flags) throws Exception {
        String taskId = EndToEndTest.newTaskId();
        String body = TodoistWebhooks.itemAdded(taskId, RunningNightshift.PROJECT_ID, "Trace me");
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(nightshift.webhookUrl()))
                .header("Content-Type", "application/json")
                .header("X-Todoist-Delivery-ID", UUID.randomUUID().toString())
                .header("X-Todoist-Hmac-SHA256", TodoistSignature.sign(body.getBytes(StandardCharsets.UTF_8), RunningNightshift.CLIENT_SECRET))
                .header("traceparent", "00-" + HexFormat.of().formatHex(id) + "-00f067aa0ba902b7-" + flags)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).contains("\"result\":\"published\"");
        return taskId;
    }

    /** Ingest to dispatch, dispatch to report, report to Todoist: the trace is in every record's headers and every call. */
    private static void assertOneTraceThroughout(String taskId, String traceId) throws InterruptedException {
        List<LoggedRequest> writes = EndToEndTest.awaitRequests(taskId, 4);
        assertThat(TopicReader.readAll(Topics.TASKS).stream().filter(r -> ("todoist:" + taskId).equals(r.key())).toList())
                .singleElement().satisfies(task -> assertThat(traceOf(task)).isEqualTo(traceId));
        List<ConsumerRecord<String, Object>> runs = TopicReader.readAll(Topics.RUNS).stream().filter(r -> ("todoist:" + taskId).equals(r.key())).toList();
        assertThat(runs).hasSize(4).allSatisfy(run -> assertThat(traceOf(run)).isEqualTo(traceId));
        assertThat(writes).allSatisfy(w -> assertThat(w.getHeader("traceparent")).startsWith("00-" + traceId + "-"));
    }

    private static String traceOf(ConsumerRecord<String, Object> record) {
        Header header = record.headers().lastHeader("traceparent");
        assertThat(header).as("traceparent on %s-%d@%d", record.topic(), record.partition(), record.offset()).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8).split("-")[1];
    }

    private static Set<String> servicesWithSpansOf(byte[] traceId) {
        Set<String> services = new TreeSet<>();
        for (LoggedRequest export : nightshift.todoist.findAll(postRequestedFor(urlEqualTo(RunningNightshift.OTLP_TRACES)))) {
            byte[] body = export.getBody();
            if (contains(body, traceId)) {
                String text = new String(body, StandardCharsets.ISO_8859_1);
                for (String service : List.of("nightshift-ingest", "nightshift-dispatch", "nightshift-report")) {
                    if (text.contains(service)) {
                        services.add(service);
                    }
                }
            }
        }
        return services;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
