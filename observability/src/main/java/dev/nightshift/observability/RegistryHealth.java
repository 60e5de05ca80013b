package dev.nightshift.observability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Whether the schema registry answers: every event is written and read with its schema, so a service that
 * cannot reach the registry is not ready (it is still alive).
 */
public class RegistryHealth implements HealthIndicator {

    private final URI info;
    private final Duration timeout;
    private final HttpClient http;

    /** @param registryUrl the registry's API root, e.g. http://registry:8080/apis/registry/v3 */
    public RegistryHealth(String registryUrl, Duration timeout) {
        this.info = URI.create(registryUrl.replaceAll("/+$", "") + "/system/info");
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public Health health() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(info).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200 ? Health.up().withDetail("url", info.toString()).build()
                    : Health.down().withDetail("error", info + " answered " + response.statusCode()).build();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return Health.down().withDetail("error", "no answer from " + info + " within " + timeout.toMillis() + " ms: " + e).build();
        }
    }
}
