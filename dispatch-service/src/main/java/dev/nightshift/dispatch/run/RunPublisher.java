package dev.nightshift.dispatch.run;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** The one place dispatch writes to Kafka. Started and finished wait for the broker; progress does not. */
@Component
public class RunPublisher {

    private static final Logger log = LoggerFactory.getLogger(RunPublisher.class);
    private static final long ACK_TIMEOUT_SECONDS = 150; // above the producer's delivery.timeout.ms

    private final KafkaTemplate<String, RunEvent> template;

    public RunPublisher(KafkaTemplate<String, RunEvent> template) {
        this.template = template;
    }

    /** Throws when Kafka does not acknowledge: the task event is then retried rather than lost. */
    public void publish(RunEvent event) {
        try {
            template.send(Topics.RUNS, event.getTaskKey(), event).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted publishing run event of " + event.getTaskKey(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge the run event of " + event.getTaskKey(), e);
        }
    }

    /** Progress is informative: a lost progress line is logged, not retried. */
    public void publishProgress(RunEvent event) {
        template.send(Topics.RUNS, event.getTaskKey(), event).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("progress of {} not published: {}", event.getTaskKey(), e.getMessage());
            }
        });
    }

    @Configuration
    static class RunsTopic {
        @Bean
        NewTopic runsTopic(DispatchProperties properties) {
            return TopicBuilder.name(Topics.RUNS).partitions(properties.runsPartitions()).build();
        }
    }
}
