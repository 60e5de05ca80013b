package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/** Readiness follows Kafka and the registry (and report's sinks); liveness is the process alone. */
@Timeout(120)
class HealthTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static RunningNightshift nightshift;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
    }

    @Test
    void everyServiceIsReadyWhenKafkaAndTheRegistryAnswer() throws Exception {
        for (int port : new int[] {nightshift.services.ingestPort(), nightshift.services.dispatchPort(), nightshift.services.reportPort()}) {
            HttpResponse<String> ready = get(port, "/actuator/health/readiness");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(status(ready, "kafka")).isEqualTo("UP");
            assertThat(status(ready, "registry")).isEqualTo("UP");
            assertThat(get(port, "/actuator/health/liveness").statusCode()).isEqualTo(200);
        }
        assertThat(status(get(nightshift.services.reportPort(), "/actuator/health/readiness"), "sinks")).isEqualTo("UP");
    }

    @Test
    void aServiceThatCannotReachTheRegistryIsAliveButNotReady() throws Exception {
        try (ConfigurableApplicationContext ingest = nightshift.startIngestReplica(Map.of(
                "nightshift.registry-url", "http://127.0.0.1:9/apis/registry/v3"))) {
            int port = Integer.parseInt(ingest.getEnvironment().getRequiredProperty("local.server.port"));
            HttpResponse<String> ready = get(port, "/actuator/health/readiness");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
            assertThat(status(ready, "registry")).isEqualTo("DOWN");
            assertThat(JSON.readTree(ready.body()).path("components").path("registry").path("details").path("error").asString())
                    .startsWith("no answer from http://127.0.0.1:9/apis/registry/v3/system/info");
            assertThat(status(ready, "kafka")).isEqualTo("UP");
            HttpResponse<String> live = get(port, "/actuator/health/liveness");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
        }
    }

    private static String status(HttpResponse<String> health, String component) {
        return JSON.readTree(health.body()).path("components").path(component).path("status").asString();
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
