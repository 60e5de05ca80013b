package dev.nightshift.report.linear;

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
 * @param apiUrl           Linear's GraphQL endpoint
 * @param apiKey           sent as the Authorization header as it is: a personal API key, or "Bearer TOKEN" for an
 *                         OAuth app's token (env LINEAR_API_KEY); none: the sink is off
 * @param summaryMaxChars  the agent's summary is cut to this
 * @param progressInterval an issue's comment is edited with progress at most this often
 * @param limits           Linear allows about 5,000 requests an hour per key (defaults in report.yml)
 */
@Validated
@ConfigurationProperties("nightshift.report.linear")
public record LinearProperties(
        @NotNull @DefaultValue("https://api.linear.app/graphql") URI apiUrl,
        @DefaultValue("") String apiKey,
        @DefaultValue("4000") @Min(100) int summaryMaxChars,
        @NotNull @DefaultValue("20s") Duration progressInterval,
        @Valid @NotNull Limits limits) implements SecretSettings {

    static final String KEY_SETTING = "nightshift.report.linear.api-key (LINEAR_API_KEY)";

    public boolean configured() {
        return apiKey != null && !apiKey.isBlank();
    }

    /** The setting, and the token alone when it is "Bearer <token>": both are secret. */
    @Override
    public List<String> secrets() {
        return configured() && apiKey.regionMatches(true, 0, "Bearer ", 0, 7)
                ? List.of(apiKey, apiKey.substring(7).strip())
                : Collections.singletonList(apiKey);
    }

    @Override
    public String toString() {
        return "LinearProperties[apiUrl=" + apiUrl + ", apiKey " + (configured() ? "hidden" : "unset")
                + ", summaryMaxChars=" + summaryMaxChars + ", progressInterval=" + progressInterval + ", limits=" + limits + "]";
    }
}
