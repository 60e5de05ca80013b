package dev.nightshift.ingest;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param workersFile     the worker catalogue (YAML); see the README for its format
 * @param maxBodyBytes    larger webhook bodies get 413 without being read further
 * @param publishTimeout  how long a webhook waits for Kafka's acknowledgement before answering 503
 * @param tasksPartitions partitions of nightshift.tasks when ingest creates it
 * @param recentPublications how many publications a replica remembers, to answer a repeat {@code duplicate} without
 *                        a write (a repeat it forgot is published again, and run once by dispatch's ledger)
 * @param recentPublicationsAge how long a replica remembers a publication
 */
@Validated
@ConfigurationProperties("nightshift.ingest")
public record IngestProperties(
        @NotNull Path workersFile,
        @DefaultValue("1048576") @Min(1024) int maxBodyBytes,
        @DefaultValue("5s") Duration publishTimeout,
        @DefaultValue("6") @Min(1) int tasksPartitions,
        @DefaultValue("10000") @Min(0) long recentPublications,
        @DefaultValue("1h") Duration recentPublicationsAge) {
}
