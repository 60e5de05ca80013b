package dev.nightshift.observability;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health contributors "kafka" and "registry" for every service; the services' readiness groups include them
 * (management.endpoint.health.group.readiness in each service's settings), their liveness does not.
 */
@AutoConfiguration
public class HealthConfiguration {

    @Bean
    KafkaHealth kafkaHealthIndicator(KafkaAdmin kafka, @Value("${nightshift.health.timeout:2s}") Duration timeout) {
        return new KafkaHealth(kafka, timeout);
    }

    @Bean
    RegistryHealth registryHealthIndicator(@Value("${nightshift.registry-url}") String registryUrl, @Value("${nightshift.health.timeout:2s}") Duration timeout) {
        return new RegistryHealth(registryUrl, timeout);
    }
}
