package dev.nightshift.ingest.linear;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.nightshift.observability.management.PlaceholderSecrets;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param webhookSecret the webhook's signing secret (env LINEAR_WEBHOOK_SECRET); unset, the webhook is off
 * @param maxAge        a delivery whose {@code webhookTimestamp} is further than this from now is refused (replays)
 * @param ownUserIds    the user ids Nightshift writes as (its app user): their changes never start work
 * @param apiUrl        Linear's GraphQL endpoint
 * @param apiKey        reads the workers' teams when polling (env LINEAR_API_KEY): a personal API key as it is, an
 *                      OAuth token as {@code Bearer <token>}
 * @param pollInterval  how often to list the open labelled issues workers want (reconciliation); unset, never
 */
@ConfigurationProperties("nightshift.ingest.linear")
public record LinearProperties(
        String webhookSecret,
        @DefaultValue("60s") Duration maxAge,
        @DefaultValue({}) List<String> ownUserIds,
        @DefaultValue("https://api.linear.app/graphql") URI apiUrl,
        String apiKey,
        Duration pollInterval) {

    public LinearProperties {
        // a secret everyone knows verifies nothing
        PlaceholderSecrets.refuse("nightshift.ingest.linear.webhook-secret", "LINEAR_WEBHOOK_SECRET", webhookSecret);
    }

    @Override
    public String toString() {
        return "LinearProperties[maxAge=" + maxAge + ", ownUserIds=" + ownUserIds + ", apiUrl=" + apiUrl + ", pollInterval="
                + pollInterval + ", secrets hidden]";
    }
}
