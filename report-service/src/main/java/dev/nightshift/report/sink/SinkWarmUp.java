package dev.nightshift.report.sink;

import java.time.Duration;

import dev.nightshift.observability.warmup.WarmUpPhase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/** Report is ready once each sink's consumers are in their groups: a run event or task request then is written at once. */
@Configuration
class SinkWarmUp {

    private static final Logger log = LoggerFactory.getLogger(SinkWarmUp.class);

    @Bean
    @Order(40)
    WarmUpPhase sinkConsumers(SinkListeners listeners) {
        return WarmUpPhase.of("sink consumers in their groups", () -> {
            if (!listeners.awaitAssigned(Duration.ofSeconds(30))) {
                log.info("not every sink consumer was assigned partitions within 30 s (more report replicas than partitions?): ready without");
            }
        });
    }
}
