package dev.nightshift.ingest.github;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.nightshift.ingest.routing.Trigger.GitHubRepository;
import dev.nightshift.observability.management.PlaceholderSecrets;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param webhookSecret      the secret of the repository's or app's webhook (env GITHUB_WEBHOOK_SECRET); unset, the webhook is off
 * @param allowedAssociations whose items and comments start work, by their {@code author_association} with the
 *                           repository: the default of every GitHub worker that names none
 *                           ({@code trigger.github.allowed-associations})
 * @param ownLogins          the logins Nightshift writes as (its app's bot, or the user of its token): their events never start work
 * @param apiBaseUrl         GitHub's REST API (GitHub Enterprise: {@code https://host/api/v3})
 * @param apiToken           reads the workers' repositories when polling (env GITHUB_TOKEN)
 * @param pollInterval       how often to list the open issues and pull requests workers want (reconciliation); unset, never
 */
@ConfigurationProperties("nightshift.ingest.github")
public record GitHubProperties(
        String webhookSecret,
        @DefaultValue({"OWNER", "MEMBER", "COLLABORATOR"}) List<String> allowedAssociations,
        @DefaultValue({}) List<String> ownLogins,
        @DefaultValue("https://api.github.com") URI apiBaseUrl,
        String apiToken,
        Duration pollInterval) {

    public GitHubProperties {
        allowedAssociations = allowedAssociations.stream().map(a -> a == null ? "" : a.trim().toUpperCase()).toList();
        for (String a : allowedAssociations) {
            if (!GitHubRepository.ASSOCIATIONS.contains(a)) {
                throw new IllegalArgumentException("nightshift.ingest.github.allowed-associations: '" + a + "' is not one of "
                        + String.join(", ", GitHubRepository.ASSOCIATIONS));
            }
        }
        // a secret everyone knows verifies nothing
        PlaceholderSecrets.refuse("nightshift.ingest.github.webhook-secret", "GITHUB_WEBHOOK_SECRET", webhookSecret);
    }

    @Override
    public String toString() {
        return "GitHubProperties[allowedAssociations=" + allowedAssociations + ", ownLogins=" + ownLogins + ", apiBaseUrl=" + apiBaseUrl
                + ", pollInterval=" + pollInterval + ", secrets hidden]";
    }
}
