package dev.nightshift.dispatch.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.nightshift.events.Outcome;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void retriesFailuresAndTimeoutsOfAgentsThatRan() {
        assertThat(RetryPolicy.worthRetrying(Outcome.FAILED, true)).isTrue();
        assertThat(RetryPolicy.worthRetrying(Outcome.TIMED_OUT, true)).isTrue();
        assertThat(RetryPolicy.worthRetrying(Outcome.SUCCEEDED, true)).isFalse();
        assertThat(RetryPolicy.worthRetrying(Outcome.OVER_BUDGET, true)).isFalse();
        assertThat(RetryPolicy.worthRetrying(Outcome.CANCELLED, true)).isFalse();
        assertThat(RetryPolicy.worthRetrying(Outcome.FAILED, false)).as("refused or never started").isFalse();
    }

    @Test
    void theNextAttemptComesAfterTheBackoffUntilTheAttemptsRunOut() {
        Duration initial = Duration.ofSeconds(30);
        assertThat(RetryPolicy.nextAttempt(Outcome.FAILED, true, 1, 3, initial)).hasValue(Duration.ofSeconds(30));
        assertThat(RetryPolicy.nextAttempt(Outcome.TIMED_OUT, true, 2, 3, initial)).hasValue(Duration.ofSeconds(60));
        assertThat(RetryPolicy.nextAttempt(Outcome.FAILED, true, 3, 3, initial)).as("the last attempt").isEmpty();
        assertThat(RetryPolicy.nextAttempt(Outcome.SUCCEEDED, true, 1, 3, initial)).isEmpty();
        assertThat(RetryPolicy.nextAttempt(Outcome.FAILED, false, 1, 3, initial)).as("refused").isEmpty();
    }

    @Test
    void backsOffExponentially() {
        Duration initial = Duration.ofSeconds(30);
        assertThat(RetryPolicy.backoff(initial, 1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryPolicy.backoff(initial, 2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(RetryPolicy.backoff(initial, 3)).isEqualTo(Duration.ofSeconds(120));
    }
}
