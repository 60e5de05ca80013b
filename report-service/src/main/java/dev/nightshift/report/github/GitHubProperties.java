package dev.nightshift.report.github;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import dev.nightshift.report.hygiene.SecretSettings;
import dev.nightshift.report.sink.Limits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param apiBaseUrl       GitHub's REST API (GitHub Enterprise: https://HOST/api/v3)
 * @param apiToken         a token that may comment on and label the repositories' issues (env GITHUB_TOKEN); none: the sink is off
 * @param summaryMaxChars  the agent's summary is cut to this in the tracking comment
 * @param progressInterval the tracking comment is edited with progress at most this often
 * @param limits           every call of the sink counts against GitHub's secondary limit of 80 content-creating
 *                         requests a minute (defaults in report.yml)
 */
@Validated
@ConfigurationProperties("nightshift.report.github")
public record GitHubProperties(
        @NotNull @DefaultValue("https://api.github.com") URI apiBaseUrl,
        @DefaultValue("") String apiToken,
        @DefaultValue("4000") @Min(100) int summaryMaxChars,
        @NotNull @DefaultValue("20s") Duration progressInterval,
        @Valid @NotNull Limits limits) implements SecretSettings {

    static final String TOKEN_SETTING = "nightshift.report.github.api-token (GITHUB_TOKEN)";

    public boolean configured() {
        return apiToken != null && !apiToken.isBlank();
    }

    @Override
    public List<String> secrets() {
        return Collections.singletonList(apiToken);
    }

    @Override
    public String toString() {
        return "GitHubProperties[apiBaseUrl=" + apiBaseUrl + ", apiToken " + (configured() ? "hidden" : "unset")
                + ", summaryMaxChars=" + summaryMaxChars + ", progressInterval=" + progressInterval + ", limits=" + limits + "]";
    }
}
