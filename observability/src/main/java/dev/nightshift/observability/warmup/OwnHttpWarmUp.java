package dev.nightshift.observability.warmup;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.springframework.core.env.Environment;

/**
 * The service's own HTTP stack answers one request before the service is ready (Tomcat, the security filters,
 * the observations, the dispatcher servlet, JSON): its liveness, which every service serves and which has no
 * effect. Skipped where no web server runs.
 */
public final class OwnHttpWarmUp implements WarmUpPhase {

    private final Environment environment;

    public OwnHttpWarmUp(Environment environment) {
        this.environment = environment;
    }

    @Override
    public String name() {
        return "own HTTP stack";
    }

    @Override
    public void warm() throws Exception {
        String port = environment.getProperty("local.management.port", environment.getProperty("local.server.port"));
        if (port == null) {
            return;
        }
        String address = environment.getProperty("server.address", "127.0.0.1");
        String host = address.equals("0.0.0.0") || address.equals("::") ? "127.0.0.1" : address.contains(":") ? "[" + address + "]" : address;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            // any answer will do: the stack ran; only no answer at all is a failure
            http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/actuator/health/liveness"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
        }
    }
}
