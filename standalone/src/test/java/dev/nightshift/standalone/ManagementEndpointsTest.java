package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import dev.nightshift.testkit.TodoistWebhooks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The management surface of the three running services: everything under /actuator but health and prometheus
 * needs {@code nightshift.management.token} as a bearer token, the dead-letter replay among them; the webhooks and
 * the task API answer as before.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class ManagementEndpointsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void theDeadLetterReplayNeedsTheToken() throws Exception {
        int report = nightshift.services.reportPort();
        HttpResponse<String> none = post(report, "/actuator/deadletters/todoist", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"nightshift-management\"");
        assertThat(none.body()).isEmpty();
        assertThat(post(report, "/actuator/deadletters/todoist", "Bearer wrong-token").statusCode()).isEqualTo(401);
        assertThat(post(report, "/actuator/deadletters/todoist", "Bearer " + RunningNightshift.MANAGEMENT_TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(post(report, "/actuator/deadletters/todoist", "Bearer ").statusCode()).isEqualTo(401);
        // the task API's token is not the operator's
        assertThat(post(report, "/actuator/deadletters/todoist", "Bearer " + RunningNightshift.API_TOKEN).statusCode()).isEqualTo(401);
        assertThat(post(report, "/actuator/deadletters/todoist", "Basic b3BlcmF0b3I6dGVzdC1tYW5hZ2VtZW50LXRva2Vu").statusCode()).isEqualTo(401);

        // with the token the endpoint answers (a sink that does not exist, so nothing of the shared topics is replayed here;
        // ReportFaultsTest replays for real with it)
        HttpResponse<String> right = post(report, "/actuator/deadletters/nosuchsink", "Bearer " + RunningNightshift.MANAGEMENT_TOKEN);
        assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
        assertThat(right.body()).contains("no sink 'nosuchsink' is writing");
        assertThat(right.headers().firstValue("Set-Cookie")).as("no session").isEmpty();
    }

    @Test
    void everyManagementEndpointButHealthAndPrometheusNeedsTheTokenOnEveryService() throws Exception {
        for (int port : ports()) {
            for (String path : new String[] {"/actuator", "/actuator/metrics", "/actuator/metrics/jvm.threads.live", "/actuator/info"}) {
                assertThat(get(port, path, null).statusCode()).as(port + path).isEqualTo(401);
                assertThat(get(port, path, "Bearer wrong-token").statusCode()).as(port + path).isEqualTo(401);
                assertThat(get(port, path, "Bearer " + RunningNightshift.MANAGEMENT_TOKEN).statusCode()).as(port + path).isEqualTo(200);
            }
            for (String path : new String[] {"/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness", "/actuator/prometheus"}) {
                HttpResponse<String> open = get(port, path, null);
                assertThat(open.statusCode()).as(port + path + ": " + open.body()).isEqualTo(200);
                // a wrong token does not close what is open
                assertThat(get(port, path, "Bearer wrong-token").statusCode()).as(port + path).isEqualTo(200);
            }
        }
    }

    @Test
    void theWebhooksAndTheTaskApiAnswerAsBefore() throws Exception {
        int ingest = nightshift.services.ingestPort();
        // an unsigned webhook: ingest's own refusal, not the management challenge
        HttpResponse<String> unsigned = HTTP.send(HttpRequest.newBuilder(URI.create(nightshift.webhookUrl()))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unsigned.statusCode()).isEqualTo(401);
        assertThat(unsigned.headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(unsigned.body()).isNotEmpty();
        // a signed one is published, with no CSRF token and no session
        HttpResponse<String> signed = TodoistWebhooks.send(nightshift.webhookUrl(),
                TodoistWebhooks.itemAdded("mgmt-untouched-1", "no-worker-project", "Untouched"), RunningNightshift.CLIENT_SECRET, "mgmt-delivery-1");
        assertThat(signed.statusCode()).as(signed.body()).isEqualTo(200);
        assertThat(signed.headers().firstValue("Set-Cookie")).isEmpty();
        // the task API keeps its own token: the management token is not it
        assertThat(get(ingest, "/api/tasks/api:no-such-task", "Bearer " + RunningNightshift.API_TOKEN).statusCode()).isEqualTo(404);
        assertThat(get(ingest, "/api/tasks/api:no-such-task", "Bearer " + RunningNightshift.MANAGEMENT_TOKEN).statusCode()).isEqualTo(401);
    }

    @Test
    void withoutATokenTheProtectedEndpointsAnswer401ToEveryoneAndStartUpSaysSo(CapturedOutput output) throws Exception {
        try (ConfigurableApplicationContext ingest = nightshift.startIngestReplica(Map.of("nightshift.management.token", ""))) {
            int port = Integer.parseInt(ingest.getEnvironment().getRequiredProperty("local.server.port"));
            for (String authorization : new String[] {null, "Bearer ", "Bearer " + RunningNightshift.MANAGEMENT_TOKEN, "Bearer null"}) {
                assertThat(get(port, "/actuator/metrics", authorization).statusCode()).as(authorization).isEqualTo(401);
            }
            assertThat(get(port, "/actuator/health/readiness", null).statusCode()).isEqualTo(200);
            assertThat(get(port, "/actuator/prometheus", null).statusCode()).isEqualTo(200);
        }
        assertThat(output.getOut()).containsOnlyOnce("nightshift.management.token (NIGHTSHIFT_MANAGEMENT_TOKEN) is not set");
    }

    @Test
    void aPlaceholderTokenStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> nightshift.startIngestReplica(Map.of("nightshift.management.token", "change-me")).close())
                .rootCause().hasMessageStartingWith("nightshift.management.token (NIGHTSHIFT_MANAGEMENT_TOKEN) is a well-known placeholder");
    }

    private static int[] ports() {
        return new int[] {nightshift.services.ingestPort(), nightshift.services.dispatchPort(), nightshift.services.reportPort()};
    }

    private static HttpResponse<String> get(int port, String path, String authorization) throws Exception {
        return HTTP.send(request(port, path, authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(int port, String path, String authorization) throws Exception {
        return HTTP.send(request(port, path, authorization).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(int port, String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        return authorization == null ? b : b.header("Authorization", authorization);
    }
}
