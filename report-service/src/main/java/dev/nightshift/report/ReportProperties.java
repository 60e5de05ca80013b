package dev.nightshift.report;

import java.time.Duration;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param credentialCheckInterval how often a paused sink tries its credential again
 * @param groupPrefix             each sink reads run events in the consumer group {@code <prefix>-<sink>}
 *                                (Todoist's is the prefix itself, the group report had before sinks had their own)
 * @param giveUpAfter             how long an event is retried while its target is unavailable (5xx, no
 *                                connection) before it is parked on the sink's dead-letter topic
 * @param acknowledgeWithin       a task request older than this is not acknowledged (a sink that answers requests,
 *                                as Linear's agent sessions want, after an outage does not answer stale ones)
 */
@Validated
@ConfigurationProperties("nightshift.report")
public record ReportProperties(
        @NotBlank @DefaultValue("nightshift-report") String groupPrefix,
        @NotNull @DefaultValue("30s") Duration credentialCheckInterval,
        @NotNull @DefaultValue("15m") Duration giveUpAfter,
        @NotNull @DefaultValue("10m") Duration acknowledgeWithin) {
}
