package dev.nightshift.report.todoist;

import java.net.URI;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param apiBaseUrl      Todoist's unified API v1
 * @param apiToken        a token of the Todoist user the comments come from (env TODOIST_API_TOKEN)
 * @param summaryMaxChars the agent's summary is cut to this in the done comment
 */
@Validated
@ConfigurationProperties("nightshift.report.todoist")
public record TodoistProperties(
        @NotNull @DefaultValue("https://api.todoist.com/api/v1") URI apiBaseUrl,
        @NotBlank String apiToken,
        @DefaultValue("4000") @Min(100) int summaryMaxChars) {

    @Override
    public String toString() {
        return "TodoistProperties[apiBaseUrl=" + apiBaseUrl + ", apiToken hidden, summaryMaxChars=" + summaryMaxChars + "]";
    }
}
