package dev.nightshift.ingest.webhook;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.nightshift.ingest.limit.RunLimiter;
import dev.nightshift.ingest.publish.RetryLater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The same steps for every source, whatever serves the HTTP: find the source, let it verify and decide, publish
 * (one write), count the result. Answers only once Kafka acknowledged; refusals are thrown ({@link WebhookRejected},
 * {@link RetryLater}) for {@link WebhookErrors} to answer. Each delivery is logged at DEBUG; {@link WebhookSummary}
 * says at INFO what became of a minute's deliveries.
 */
@Component
public class WebhookReceiver {

    private static final Logger log = LoggerFactory.getLogger(WebhookReceiver.class);

    private final Map<String, WebhookSource> sources;
    private final RunLimiter publisher;
    private final WebhookMetrics metrics;

    public WebhookReceiver(List<WebhookSource> sources, RunLimiter publisher, WebhookMetrics metrics) {
        this.sources = sources.stream().collect(Collectors.toUnmodifiableMap(WebhookSource::name, Function.identity()));
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /** The source called {@code name}; 404 when there is none. */
    public WebhookSource source(String name) {
        WebhookSource source = sources.get(name);
        if (source == null) {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "unknown_source", "no source is called '" + name + "' (sources: "
                    + String.join(", ", sources.keySet().stream().sorted().toList()) + ")");
        }
        return source;
    }

    /** What became of the delivery, counted; a refusal is counted with its reason and thrown on. */
    public WebhookResponse receive(WebhookSource source, Body body) throws IOException {
        try {
            WebhookResponse response = handle(source, body);
            metrics.count(source.name(), response.result());
            return response;
        } catch (WebhookRejected e) {
            metrics.count(source.name(), e.reason());
            throw e;
        } catch (RetryLater e) {
            metrics.count(source.name(), "unavailable");
            throw e;
        }
    }

    /** The delivery, read once the source is known to be on: reading may refuse it (too large). */
    @FunctionalInterface
    public interface Body {
        WebhookDelivery read() throws IOException;
    }

    private WebhookResponse handle(WebhookSource source, Body body) throws IOException {
        source.disabledBecause().ifPresent(why -> {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "disabled", "the " + source.name() + " webhook is off: " + why);
        });
        WebhookDelivery delivery = body.read();
        source.verify(delivery);
        return switch (source.decide(delivery)) {
            case Decision.Ignore ignore -> WebhookResponse.ignored(ignore.reason());
            case Decision.Publish publish -> publish(source.name(), publish);
        };
    }

    private WebhookResponse publish(String source, Decision.Publish publish) {
        String taskKey = publish.event().getTaskKey();
        return switch (publisher.publish(source, publish.event(), publish.worker(), publish.author())) {
            case RunLimiter.Result.Duplicate d -> WebhookResponse.duplicate(taskKey);
            case RunLimiter.Result.Capped capped -> WebhookResponse.ignored(capped.reason());
            case RunLimiter.Result.Published p -> {
                log.debug("published {}: {}", taskKey, publish.logLine());
                yield WebhookResponse.published(taskKey);
            }
        };
    }
}
