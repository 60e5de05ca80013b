package dev.nightshift.ingest.api;

import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/tasks/{key}}: each version of the task and where its runs stand, from dispatch's ledger.
 * A version this replica published that no dispatcher has taken up yet is {@value #ACCEPTED}: accepted, not yet
 * seen by dispatch (another replica's publications are known only once dispatch has them).
 */
public record TaskStatus(String taskKey, List<Version> versions) {

    public static final String ACCEPTED = "ACCEPTED";

    /**
     * @param state    ACCEPTED, RUNNING, RETRY_WAIT, or a final outcome: SUCCEEDED, FAILED, TIMED_OUT, OVER_BUDGET, CANCELLED
     * @param attempt  the attempt running, or the last that ran (0: none yet)
     * @param runId    that attempt's run
     */
    public record Version(String version, String state, int attempt, Integer maxAttempts, String runId, Instant nextAttemptAt,
            boolean cancelRequested, Instant updatedAt) {
    }
}
