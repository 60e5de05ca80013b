package dev.nightshift.report.todoist;

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
 * @param apiBaseUrl      Todoist's unified API v1
 * @param apiToken        a token of the Todoist user the comments come from (env TODOIST_API_TOKEN); none: the sink is off
 * @param summaryMaxChars the agent's summary is cut to this in the done comment
 * @param progressInterval the "working on it" comment shows the latest progress, edited at most this often
 * @param limits          Todoist allows about 1000 requests per user per 15 minutes (defaults in report.yml)
 */
@Validated
@ConfigurationProperties("nightshift.report.todoist")
public record TodoistProperties(
        @NotNull @DefaultValue("https://api.todoist.com/api/v1") URI apiBaseUrl,
        @DefaultValue("") String apiToken,
        @DefaultValue("4000") @Min(100) int summaryMaxChars,
        @NotNull @DefaultValue("15s") Duration progressInterval,
        @Valid @NotNull Limits limits) implements SecretSettings {

    static final String TOKEN_SETTING = "nightshift.report.todoist.api-token (TODOIST_API_TOKEN)";

    public boolean configured() {
        return apiToken != null && !apiToken.isBlank();
    }

    @Override
    public List<String> secrets() {
        return Collections.singletonList(apiToken);
    }

    @Override
    public String toString() {
        return "TodoistProperties[apiBaseUrl=" + apiBaseUrl + ", apiToken " + (configured() ? "hidden" : "unset")
                + ", summaryMaxChars=" + summaryMaxChars + ", progressInterval=" + progressInterval + ", limits=" + limits + "]";
    }
}
