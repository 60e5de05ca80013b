package dev.nightshift.ingest.publish;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.webhook.RetryLater;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/** The one place ingest talks to Kafka. Returns only once the broker acknowledged the event (acks=all). */
@Component
public class TaskPublisher {

    private final KafkaTemplate<String, TaskEvent> template;
    private final IngestProperties properties;

    public TaskPublisher(KafkaTemplate<String, TaskEvent> template, IngestProperties properties) {
        this.template = template;
        this.properties = properties;
    }

    public void publish(TaskEvent event) {
        try {
            template.send(Topics.TASKS, event.getTaskKey(), event)
                    .get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetryLater("interrupted while waiting for Kafka", e);
        } catch (ExecutionException e) {
            throw new RetryLater("Kafka refused " + event.getTaskKey() + ": " + rootMessage(e), e.getCause());
        } catch (TimeoutException e) {
            throw new RetryLater("Kafka did not acknowledge " + event.getTaskKey() + " within "
                    + properties.publishTimeout() + " (nightshift.ingest.publish-timeout)", e);
        } catch (RuntimeException e) {
            // the serializer (schema registry) and metadata waits fail synchronously
            throw new RetryLater("could not publish " + event.getTaskKey() + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    @Configuration
    static class TasksTopic {
        @Bean
        NewTopic tasksTopic(IngestProperties properties) {
            return TopicBuilder.name(Topics.TASKS).partitions(properties.tasksPartitions()).build();
        }
    }
}
