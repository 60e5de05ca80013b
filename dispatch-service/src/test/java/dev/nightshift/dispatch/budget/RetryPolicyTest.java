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
    void backsOffExponentially() {
        Duration initial = Duration.ofSeconds(30);
        assertThat(RetryPolicy.backoff(initial, 1)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RetryPolicy.backoff(initial, 2)).isEqualTo(Duration.ofSeconds(60));
        assertThat(RetryPolicy.backoff(initial, 3)).isEqualTo(Duration.ofSeconds(120));
    }
}
