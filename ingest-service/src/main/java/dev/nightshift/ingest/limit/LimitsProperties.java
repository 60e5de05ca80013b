package dev.nightshift.ingest.limit;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Runs each worker may start in an hour, by default; a worker's catalogue entry may set its own
 * ({@code limits: {runs-per-hour, runs-per-author-per-hour}}).
 *
 * @param runsPerHour          runs one worker starts in an hour, whoever asks
 * @param runsPerAuthorPerHour runs one person (a GitHub login, a Todoist user, a Linear user, the task API's caller)
 *                             starts of one worker in an hour
 * @param maxAuthors           per-author counts kept at once (the least recently used go first, starting afresh)
 */
@Validated
@ConfigurationProperties("nightshift.ingest.limits")
public record LimitsProperties(
        @DefaultValue("30") @Min(1) int runsPerHour,
        @DefaultValue("10") @Min(1) int runsPerAuthorPerHour,
        @DefaultValue("100000") @Min(1) int maxAuthors) {
}
