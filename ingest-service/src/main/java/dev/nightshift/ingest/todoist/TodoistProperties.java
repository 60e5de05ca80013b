package dev.nightshift.ingest.todoist;

import java.net.URI;
import java.time.Duration;

import dev.nightshift.observability.management.PlaceholderSecrets;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param clientSecret the Todoist app's client secret, which signs webhooks (env TODOIST_CLIENT_SECRET); unset, the webhook is off
 * @param apiBaseUrl   Todoist's unified API v1
 * @param apiToken     needed to match workers that name their project by name, and to poll (env TODOIST_API_TOKEN)
 * @param pollInterval how often to list the open tasks of the workers' projects (reconciliation); unset, never
 */
@Validated
@ConfigurationProperties("nightshift.ingest.todoist")
public record TodoistProperties(
        String clientSecret,
        @NotNull @DefaultValue("https://api.todoist.com/api/v1") URI apiBaseUrl,
        String apiToken,
        Duration pollInterval) {

    public TodoistProperties {
        // a secret everyone knows verifies nothing
        PlaceholderSecrets.refuse("nightshift.ingest.todoist.client-secret", "TODOIST_CLIENT_SECRET", clientSecret);
    }

    @Override
    public String toString() {
        return "TodoistProperties[apiBaseUrl=" + apiBaseUrl + ", secrets hidden]";
    }
}
