package dev.nightshift.signing;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Every service that depends on this module checks its signing key at start-up (unset, short or a
 * placeholder: it does not start, naming the setting) and counts the records it refuses. The serdes
 * ({@link SignedSerializer}, {@link VerifyingDeserializer}) read the same key from the Kafka properties.
 */
@AutoConfiguration
@EnableConfigurationProperties(SigningProperties.class)
public class SigningConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SigningConfiguration.class);

    @Bean
    SigningKeys signingKeys(SigningProperties properties) {
        SigningKeys keys = properties.keys();
        log.info("records are signed with key {}", keys);
        return keys;
    }

    @Bean
    RecordRefusals recordRefusals(ObjectProvider<MeterRegistry> meters, @Value("${spring.application.name}") String application) {
        return new RecordRefusals(meters.getIfAvailable(SimpleMeterRegistry::new), application.replaceFirst("^nightshift-", ""));
    }
}
