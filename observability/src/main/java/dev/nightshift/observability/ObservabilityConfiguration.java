package dev.nightshift.observability;

import java.time.Duration;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import dev.nightshift.observability.warmup.OwnHttpWarmUp;
import dev.nightshift.observability.warmup.WarmUp;
import dev.nightshift.observability.warmup.WarmUpPhase;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * Health contributors "kafka", "registry" and "warmUp" for every service (the services' readiness groups include
 * them, their liveness does not), the warm-up that runs each service's {@link WarmUpPhase}s before it is ready,
 * and the hand-carried Kafka traces.
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.tracing.autoconfigure.MicrometerTracingAutoConfiguration")
public class ObservabilityConfiguration {

    @Bean
    KafkaHealth kafkaHealthIndicator(KafkaAdmin kafka, @Value("${nightshift.health.timeout:2s}") Duration timeout) {
        return new KafkaHealth(kafka, timeout);
    }

    /** Traces carried by hand across Kafka (dispatch's runs); tracing itself is Spring Boot's (Micrometer, OpenTelemetry). */
    @Bean
    KafkaTraces kafkaTraces(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        Tracer t = tracer.getIfAvailable();
        Propagator p = propagator.getIfAvailable();
        return t == null || p == null ? KafkaTraces.none() : new KafkaTraces(t, p);
    }

    @Bean
    RegistryHealth registryHealthIndicator(@Value("${nightshift.registry-url}") String registryUrl, @Value("${nightshift.health.timeout:2s}") Duration timeout) {
        return new RegistryHealth(registryUrl, timeout);
    }

    /** Last: the service's own HTTP stack, once. */
    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    WarmUpPhase ownHttpWarmUp(Environment environment) {
        return new OwnHttpWarmUp(environment);
    }

    /** The component "warmUp": every phase a service declares has passed. */
    @Bean
    WarmUp warmUp(ObjectProvider<WarmUpPhase> phases, @Value("${nightshift.warm-up.wait:60s}") Duration wait) {
        return new WarmUp(phases.orderedStream().toList(), wait);
    }
}
