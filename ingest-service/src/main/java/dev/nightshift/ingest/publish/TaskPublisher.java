package dev.nightshift.ingest.publish;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.webhook.RetryLater;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * The one place ingest publishes tasks: each task version (and each cancellation) once, however many
 * replicas receive it and however often, claimed first on {@code nightshift.publications}. Returns only
 * once the broker acknowledged the event (acks=all).
 */
@Component
public class TaskPublisher {

    /** What became of a publication. */
    public enum Outcome { PUBLISHED, DUPLICATE }

    private final KafkaTemplate<String, TaskEvent> template;
    private final PublicationLog publications;
    private final IngestProperties properties;

    private final Timer published;

    public TaskPublisher(KafkaTemplate<String, TaskEvent> template, PublicationLog publications, IngestProperties properties,
            MeterRegistry meters) {
        this.template = template;
        this.publications = publications;
        this.properties = properties;
        this.published = Timer.builder("nightshift.ingest.publish")
                .description("From a publication's start (claim, event, mark) to the broker's acknowledgement of all three")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(meters);
    }

    /** The publication an event is: a request publishes its task version once; a cancellation, its delivery once. */
    public static String publicationKey(TaskEvent event) {
        return switch (event.getBody()) {
            case TaskRequested requested -> Topics.ledgerKey(event.getTaskKey(), requested.getTaskVersion());
            case TaskCancelled cancelled -> "cancel " + event.getEventId();
            case TaskDeclined declined -> "declined " + event.getEventId();
            default -> throw new IllegalArgumentException("not a task event body: " + event.getBody());
        };
    }

    /** Whether this event's publication is already made (a redelivery): it would be a {@link Outcome#DUPLICATE}. */
    public boolean published(TaskEvent event) {
        return publications.holder(publicationKey(event)).filter(PublicationLog.Holder::published).isPresent();
    }

    public Outcome publishOnce(TaskEvent event) {
        String key = publicationKey(event);
        long started = System.nanoTime();
        long deadline = System.currentTimeMillis() + properties.publishTimeout().toMillis();
        if (publications.holder(key).filter(PublicationLog.Holder::published).isPresent()) {
            return Outcome.DUPLICATE;
        }
        while (true) {
            String claimId = UUID.randomUUID().toString();
            publications.claim(key, claimId, event.getTaskKey(), deadline);
            PublicationLog.Holder holder = publications.holder(key).orElseThrow();
            if (holder.claimId().equals(claimId)) {
                try {
                    send(event);
                } catch (RetryLater e) {
                    publications.release(key, claimId, event.getTaskKey());
                    throw e;
                }
                publications.published(key, claimId, event.getTaskKey());
                published.record(Duration.ofNanos(System.nanoTime() - started));
                return Outcome.PUBLISHED;
            }
            // another replica holds it: wait for its outcome; a release lets us claim again
            Optional<PublicationLog.Holder> after = holder.published() ? Optional.of(holder)
                    : publications.awaitChange(key, holder, deadline);
            if (after.filter(PublicationLog.Holder::published).isPresent()) {
                return Outcome.DUPLICATE;
            }
            if (System.currentTimeMillis() >= deadline) {
                throw new RetryLater("another ingest replica is publishing " + key + " and has not finished; try again");
            }
        }
    }

    private void send(TaskEvent event) {
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
}
