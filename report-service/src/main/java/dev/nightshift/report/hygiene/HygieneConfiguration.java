package dev.nightshift.report.hygiene;

import java.util.ArrayList;
import java.util.List;

import dev.nightshift.report.sink.Sink;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Output hygiene in report: every sink in the context is a {@link CleanedSink}, and the secrets report knows of
 * (each sink's settings name theirs ({@link SecretSettings}), the signing keys, the values configured) are gathered
 * in one redactor.
 */
@Configuration(proxyBeanMethods = false)
public class HygieneConfiguration {

    /** Every sink bean as a {@link CleanedSink}: whoever asks for sinks gets only cleaned ones. */
    @Bean
    static BeanPostProcessor cleanedSinks(ObjectProvider<RunEventHygiene> hygiene) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof Sink sink && !(bean instanceof CleanedSink) ? new CleanedSink(sink, hygiene::getObject) : bean;
            }
        };
    }

    @Bean
    RunEventHygiene runEventHygiene(HygieneProperties properties, List<SecretSettings> settings,
            @Value("${nightshift.signing.key:}") String signingKey,
            @Value("${nightshift.signing.accepted-keys:}") String acceptedKeys) {
        List<String> secrets = new ArrayList<>(properties.redact().values());
        // each sink's settings (its token) name their secrets
        settings.forEach(s -> secrets.addAll(s.secrets()));
        for (String key : (signingKey + "," + acceptedKeys).split(",")) {
            // <key id>:<secret>: the secret; the id is no secret
            int colon = key.indexOf(':');
            if (colon > 0) {
                secrets.add(key.substring(colon + 1).strip());
            }
        }
        return new RunEventHygiene(new SecretRedactor(secrets), properties.linkHosts());
    }
}
