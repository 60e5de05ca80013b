package dev.nightshift.ingest.publish;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.observability.KafkaTraces;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * The one place ingest publishes tasks: one write per event, returning once the broker acknowledged it
 * (acks=all, idempotent producer). A version published twice (by two replicas, or a webhook and a poll) is
 * harmless: dispatch's ledger runs each version once, report's write log makes each reply once. What this
 * replica published lately is answered {@link Outcome#DUPLICATE} without a write ({@link RecentPublications}).
 */
@Component
public class TaskPublisher {

    /** What became of a publication. */
    public enum Outcome { PUBLISHED, DUPLICATE }

    private final KafkaTemplate<String, TaskEvent> template;
    private final RecentPublications recent;
    private final IngestProperties properties;
    private final Timer published;
    private final Tracer tracer;
    private final KafkaTraces traces;

    public TaskPublisher(KafkaTemplate<String, TaskEvent> template, RecentPublications recent, IngestProperties properties,
            MeterRegistry meters, ObjectProvider<Tracer> tracer, KafkaTraces traces) {
        this.template = template;
        this.tracer = tracer.getIfAvailable(() -> Tracer.NOOP);
        this.traces = traces;
        this.recent = recent;
        this.properties = properties;
        this.published = Timer.builder("nightshift.ingest.publish")
                .description("From a task event's send to the broker's acknowledgement")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(meters);
    }

    /** The publication an event is: a request publishes its task version; a cancellation or a reply, its event. */
    public static String publicationKey(TaskEvent event) {
        return switch (event.getBody()) {
            case TaskRequested requested -> Topics.ledgerKey(event.getTaskKey(), requested.getTaskVersion());
            case TaskCancelled cancelled -> "cancel " + event.getEventId();
            case TaskDeclined declined -> "declined " + event.getEventId();
            default -> throw new IllegalArgumentException("not a task event body: " + event.getBody());
        };
    }

    /** Whether this replica published this event's publication lately: it would be a {@link Outcome#DUPLICATE}. */
    public boolean published(TaskEvent event) {
        return recent.published(publicationKey(event));
    }

    /** The versions of a task this replica published lately. */
    public List<String> publishedVersions(String taskKey) {
        String prefix = Topics.ledgerKey(taskKey, "");
        return recent.publishedWithPrefix(prefix).stream().map(k -> k.substring(prefix.length())).toList();
    }

    public Outcome publish(TaskEvent event) {
        String key = publicationKey(event);
        long started = System.nanoTime();
        return switch (recent.take(key, System.currentTimeMillis() + properties.publishTimeout().toMillis())) {
            case RecentPublications.Turn.Repeat repeat -> Outcome.DUPLICATE;
            case RecentPublications.Turn.Publish turn -> {
                try {
                    send(event);
                } catch (RetryLater e) {
                    recent.failed(key, turn, e);
                    throw e;
                }
                recent.done(turn);
                published.record(Duration.ofNanos(System.nanoTime() - started));
                yield Outcome.PUBLISHED;
            }
        };
    }

    /**
     * The record carries the trace in its headers (W3C {@code traceparent}), put there by hand rather than by an
     * observation of every send: the trace of the request it answers (a webhook's server span), or a new one for
     * work no request started (a poll, a schedule). Dispatch's listener continues it either way.
     */
    private void send(TaskEvent event) {
        ProducerRecord<String, TaskEvent> record = new ProducerRecord<>(Topics.TASKS, event.getTaskKey(), event);
        Span current = tracer.currentSpan();
        Span span = current != null ? current : traces.start(null, "nightshift.tasks send");
        try {
            traces.inject(span, record.headers());
            template.send(record).get(properties.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
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
        } finally {
            if (current == null) {
                span.end();
            }
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
