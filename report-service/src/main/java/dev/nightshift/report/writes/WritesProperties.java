package dev.nightshift.report.writes;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param partitions partitions of nightshift.writes (every replica reads them all)
 * @param retention  how long a write is remembered: longer than any event may wait to be retried or replayed
 */
@Validated
@ConfigurationProperties("nightshift.report.writes")
public record WritesProperties(
        @DefaultValue("3") @Min(1) int partitions,
        @NotNull @DefaultValue("14d") Duration retention) {
}
