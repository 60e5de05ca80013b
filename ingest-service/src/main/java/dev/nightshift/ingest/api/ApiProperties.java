package dev.nightshift.ingest.api;

import dev.nightshift.observability.management.PlaceholderSecrets;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param token the bearer token scripts and other systems present to {@code /api/tasks} (env NIGHTSHIFT_API_TOKEN);
 *              unset, the task API is off (404)
 */
@ConfigurationProperties("nightshift.ingest.api")
public record ApiProperties(String token) {

    public ApiProperties {
        // a secret everyone knows verifies nothing
        PlaceholderSecrets.refuse("nightshift.ingest.api.token", "NIGHTSHIFT_API_TOKEN", token);
    }

    public boolean enabled() {
        return token != null && !token.isBlank();
    }

    @Override
    public String toString() {
        return "ApiProperties[token hidden]";
    }
}
