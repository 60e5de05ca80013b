package dev.nightshift.dispatch.budget;

import java.time.Duration;
import java.util.Optional;

import dev.nightshift.events.Outcome;

/**
 * Which runs get another attempt, and after how long. A run that failed or ran out of time is tried
 * again (agents fail transiently: an overloaded API, a flaky tool); one that succeeded, stopped at its
 * money or turn budget, or never started (refused) is not: another attempt would not end differently.
 */
public final class RetryPolicy {

    private RetryPolicy() {
    }

    public static boolean worthRetrying(Outcome outcome, boolean agentRan) {
        return agentRan && (outcome == Outcome.FAILED || outcome == Outcome.TIMED_OUT);
    }

    /** The wait before the next attempt, or empty when {@code attempt} (of {@code maxAttempts}) was the last. */
    public static Optional<Duration> nextAttempt(Outcome outcome, boolean agentRan, int attempt, int maxAttempts, Duration initial) {
        return worthRetrying(outcome, agentRan) && attempt < maxAttempts ? Optional.of(backoff(initial, attempt)) : Optional.empty();
    }

    /** The wait after attempt {@code attempt} failed: the initial backoff, doubled per attempt since. */
    public static Duration backoff(Duration initial, int attempt) {
        return initial.multipliedBy(1L << Math.min(attempt - 1, 20));
    }
}
