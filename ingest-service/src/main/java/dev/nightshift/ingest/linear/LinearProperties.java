package dev.nightshift.ingest.linear;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param webhookSecret the webhook's signing secret (env LINEAR_WEBHOOK_SECRET); unset, the webhook is off
 * @param maxAge        a delivery whose {@code webhookTimestamp} is further than this from now is refused (replays)
 * @param ownUserIds    the user ids Nightshift writes as (its app user): their changes never start work
 */
@ConfigurationProperties("nightshift.ingest.linear")
public record LinearProperties(
        String webhookSecret,
        @DefaultValue("60s") Duration maxAge,
        @DefaultValue({}) List<String> ownUserIds) {

    @Override
    public String toString() {
        return "LinearProperties[maxAge=" + maxAge + ", ownUserIds=" + ownUserIds + ", secret hidden]";
    }
}
