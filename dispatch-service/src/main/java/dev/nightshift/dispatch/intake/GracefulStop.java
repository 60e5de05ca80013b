package dev.nightshift.dispatch.intake;

import dev.nightshift.dispatch.DispatchProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * Stopping waits for the run in progress (up to nightshift.dispatch.shutdown-wait), so its finished
 * event is published and its offset committed. A run cut off after that is redelivered and run again.
 */
@Configuration
class GracefulStop {

    @Bean
    ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> waitForTheRunInProgress(DispatchProperties properties) {
        return container -> container.getContainerProperties().setShutdownTimeout(properties.shutdownWait().toMillis());
    }
}
