package dev.nightshift.report.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class HygienePropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(HygieneProperties.class)
    static class Settings {
    }

    private final ApplicationContextRunner context = new ApplicationContextRunner().withUserConfiguration(Settings.class);

    @Test
    void byDefaultLinksToGitHubStayAndNoFurtherValueIsRedacted() {
        context.run(c -> {
            HygieneProperties properties = c.getBean(HygieneProperties.class);
            assertThat(properties.linkHosts()).containsExactly("github.com");
            assertThat(properties.redact().values()).isEmpty();
        });
    }

    @Test
    void valuesAndHostsComeCommaSeparatedAsAnEnvironmentVariableGivesThem() {
        context.withPropertyValues("nightshift.report.redact.values=first-secret-value,second-secret-value",
                "nightshift.report.link-hosts=github.com,*.example.com").run(c -> {
                    HygieneProperties properties = c.getBean(HygieneProperties.class);
                    assertThat(properties.redact().values()).containsExactly("first-secret-value", "second-secret-value");
                    assertThat(properties.linkHosts()).containsExactly("github.com", "*.example.com");
                    assertThat(properties.redact().toString()).doesNotContain("secret-value");
                });
    }

    @Test
    void aShortValueWhichWouldBlankWordsStopsStartUpNamingTheSetting() {
        context.withPropertyValues("nightshift.report.redact.values=abc").run(c -> assertThat(c).getFailure()
                .rootCause().hasMessageContaining("redact.values[0]").hasMessageContaining("at least 8 characters"));
    }

    @Test
    void aHostThatIsNoHostNameStopsStartUpNamingTheSetting() {
        for (String host : List.of("https://github.com", "*.com", "GitHub.com", "*")) {
            context.withPropertyValues("nightshift.report.link-hosts=" + host).run(c -> assertThat(c).as(host).getFailure()
                    .rootCause().hasMessageContaining("nightshift.report").hasMessageContaining("linkHosts[0]"));
        }
    }
}
