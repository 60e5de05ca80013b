package dev.nightshift.report.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import dev.nightshift.report.airtable.AirtableProperties;
import dev.nightshift.report.github.GitHubProperties;
import dev.nightshift.report.linear.LinearProperties;
import dev.nightshift.report.todoist.TodoistProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** Every sink's token reaches the redactor through its settings ({@link SecretSettings}), which hygiene names none of. */
class SinkSecretsTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties({HygieneProperties.class, TodoistProperties.class, GitHubProperties.class,
            LinearProperties.class, AirtableProperties.class})
    static class Settings {
    }

    @Test
    void eachSinksTokenAndALinearBearersTokenAloneAreRedacted() {
        List<String> settings = new ArrayList<>(List.of(
                "nightshift.report.todoist.api-token=todoist-token-1",
                "nightshift.report.github.api-token=github-token-2",
                "nightshift.report.linear.api-key=Bearer linear-token-3",
                "nightshift.report.airtable.api-token=airtable-token-4"));
        for (String sink : List.of("todoist", "github", "linear", "airtable")) {
            settings.addAll(List.of("nightshift.report." + sink + ".limits.requests=10", "nightshift.report." + sink + ".limits.period=1m",
                    "nightshift.report." + sink + ".limits.attempts=2", "nightshift.report." + sink + ".limits.in-call-wait=1s",
                    "nightshift.report." + sink + ".limits.rate-limit-wait=1s"));
        }
        new ApplicationContextRunner().withUserConfiguration(Settings.class, HygieneConfiguration.class)
                .withPropertyValues(settings.toArray(String[]::new))
                .run(c -> assertThat(c.getBean(RunEventHygiene.class).clean(
                        "todoist-token-1 github-token-2 linear-token-3 airtable-token-4", "https://github.com/o/r/issues/1"))
                        .isEqualTo("[redacted] [redacted] [redacted] [redacted]"));
    }
}
