package dev.nightshift.report.hygiene;

import java.util.ArrayList;
import java.util.List;

import dev.nightshift.report.airtable.AirtableProperties;
import dev.nightshift.report.github.GitHubProperties;
import dev.nightshift.report.linear.LinearProperties;
import dev.nightshift.report.todoist.TodoistProperties;
import dev.nightshift.report.sink.Sink;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Output hygiene in report: every sink in the context is a {@link CleanedSink}, and the secrets report knows of
 * (its tokens, the signing keys, the values configured) are gathered in one redactor.
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
    RunEventHygiene runEventHygiene(HygieneProperties properties, TodoistProperties todoist, GitHubProperties github,
            LinearProperties linear, AirtableProperties airtable,
            @Value("${nightshift.signing.key:}") String signingKey,
            @Value("${nightshift.signing.accepted-keys:}") String acceptedKeys) {
        List<String> secrets = new ArrayList<>(properties.redact().values());
        secrets.add(todoist.apiToken());
        secrets.add(github.apiToken());
        secrets.add(airtable.apiToken());
        secrets.add(linear.apiKey());
        // Linear's setting may be "Bearer <token>": the token alone is a secret too
        if (linear.apiKey() != null && linear.apiKey().regionMatches(true, 0, "Bearer ", 0, 7)) {
            secrets.add(linear.apiKey().substring(7).strip());
        }
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
