package dev.nightshift.dispatch.intake;

import java.time.Duration;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.budget.Ceiling;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A task holds its consumer through all its attempts. Should that outlast max.poll.interval.ms, the
 * group would hand the task to another dispatcher while it still runs: refuse to start instead.
 */
@Configuration
class PollInterval {

    static final String SETTING = "spring.kafka.consumer.properties.max.poll.interval.ms";

    @Bean
    InitializingBean pollIntervalOutlastsTheLongestTask(KafkaProperties kafka, DispatchProperties dispatch) {
        return () -> {
            Object configured = kafka.getConsumer().getProperties().get("max.poll.interval.ms");
            Duration interval = Duration.ofMillis(configured == null ? 300_000 : Long.parseLong(configured.toString()));
            Duration longest = new Ceiling(dispatch.ceiling()).longestTask(dispatch.killGrace(), dispatch.retryBackoff());
            if (interval.compareTo(longest) < 0) {
                throw new IllegalStateException(SETTING + " (" + interval + ") is shorter than the longest task this dispatcher accepts ("
                        + longest + ": nightshift.dispatch.ceiling.max-attempts x (ceiling.max-wall-time + kill-grace) + the retry"
                        + " backoffs); raise it, or lower those");
            }
        };
    }
}
