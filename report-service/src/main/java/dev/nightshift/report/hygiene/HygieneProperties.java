package dev.nightshift.report.hygiene;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * What report cleans from what it writes back, beside its own tokens and the signing key (always redacted).
 *
 * @param linkHosts links (and bare URLs) to these hosts stay clickable, besides the task's own host (its URL's):
 *                  a name (github.com) or all names under a domain (*.github.com); any other link's URL is
 *                  shown as code
 * @param redact    more secrets to redact
 */
@Validated
@ConfigurationProperties("nightshift.report")
public record HygieneProperties(
        @NotNull @DefaultValue("github.com") List<@Pattern(regexp = "(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+",
                message = "must be a lower-case host name, or *. and a domain with at least one dot") String> linkHosts,
        @Valid @NotNull @DefaultValue Redact redact) {

    /**
     * @param values further secret values to redact wherever they appear (env NIGHTSHIFT_REPORT_REDACT_VALUES,
     *               comma-separated), e.g. a key a worker's agent holds; each at least 8 characters, so that
     *               redacting it cannot blank common words
     */
    public record Redact(@NotNull @DefaultValue({}) List<@Size(min = 8, message = "must be at least 8 characters") String> values) {

        @Override
        public String toString() {
            return "Redact[" + values.size() + " values, hidden]";
        }
    }
}
