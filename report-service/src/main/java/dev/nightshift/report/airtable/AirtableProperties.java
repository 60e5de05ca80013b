package dev.nightshift.report.airtable;

import java.net.URI;
import java.util.Collections;
import java.util.List;

import dev.nightshift.report.hygiene.SecretSettings;
import dev.nightshift.report.sink.Limits;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param apiUrl   Airtable's REST API
 * @param apiToken a personal access token with data.records:write on the bases the workers name (env
 *                 AIRTABLE_API_TOKEN); none: the sink is off
 * @param limits   per base: Airtable allows 5 requests a second per base, and answers 429 and refuses every
 *                 request for 30 s past it (defaults in report.yml)
 */
@Validated
@ConfigurationProperties("nightshift.report.airtable")
public record AirtableProperties(
        @NotNull @DefaultValue("https://api.airtable.com/v0") URI apiUrl,
        @DefaultValue("") String apiToken,
        @Valid @NotNull Limits limits) implements SecretSettings {

    static final String TOKEN_SETTING = "nightshift.report.airtable.api-token (AIRTABLE_API_TOKEN)";

    public boolean configured() {
        return apiToken != null && !apiToken.isBlank();
    }

    @Override
    public List<String> secrets() {
        return Collections.singletonList(apiToken);
    }

    @Override
    public String toString() {
        return "AirtableProperties[apiUrl=" + apiUrl + ", apiToken " + (configured() ? "hidden" : "unset") + ", limits=" + limits + "]";
    }
}
