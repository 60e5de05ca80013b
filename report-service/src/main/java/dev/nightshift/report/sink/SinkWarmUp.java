package dev.nightshift.report.sink;

import java.time.Duration;
import java.util.Map;

import dev.nightshift.observability.warmup.WarmUpPhase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.web.client.RestClient;

/** Report is ready once each sink's consumers are in their groups: a run event or task request then is written at once. */
@Configuration
class SinkWarmUp {

    private static final Logger log = LoggerFactory.getLogger(SinkWarmUp.class);

    /**
     * The HTTP client every sink is built from, through one request to report's own liveness: its first call to
     * Todoist, GitHub, Linear or Airtable pays only for its connection (nothing is sent to them before a run).
     */
    @Bean
    @Order(50)
    WarmUpPhase targetClient(RestClient.Builder http, Environment environment) {
        return WarmUpPhase.of("targets' HTTP client", () -> {
            String port = environment.getProperty("local.server.port");
            if (port != null) {
                http.clone().build().get().uri("http://127.0.0.1:" + port + "/actuator/health/liveness").retrieve()
                        .onStatus(status -> true, (request, response) -> { }).toEntity(Map.class);
            }
        });
    }

    @Bean
    @Order(40)
    WarmUpPhase sinkConsumers(SinkListeners listeners) {
        return WarmUpPhase.of("sink consumers in their groups", () -> {
            if (!listeners.awaitAssigned(Duration.ofSeconds(30))) {
                log.info("not every sink consumer was assigned partitions within 30 s (no topic yet, or more report replicas than partitions): ready without");
            }
        });
    }
}
