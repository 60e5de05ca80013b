package dev.nightshift.ingest.webhook;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.limit.RunLimiter;
import dev.nightshift.ingest.publish.RetryLater;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /webhooks/{source}}, the same steps for every source: read at most the size cap, let the
 * source verify and decide, publish (one write), answer only once Kafka acknowledged. Each delivery is logged
 * at DEBUG; {@link WebhookSummary} says at INFO what became of a minute's deliveries.
 */
@RestController
public class WebhookController {

    private static final Logger log = LoggerFactory.getLogger(WebhookController.class);

    private final Map<String, WebhookSource> sources;
    private final IngestProperties ingest;
    private final RunLimiter publisher;
    private final WebhookMetrics metrics;

    public WebhookController(List<WebhookSource> sources, IngestProperties ingest, RunLimiter publisher,
            WebhookMetrics metrics) {
        this.sources = sources.stream().collect(Collectors.toUnmodifiableMap(WebhookSource::name, Function.identity()));
        this.ingest = ingest;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    @PostMapping("/webhooks/{name}")
    public WebhookResponse receive(@PathVariable String name, HttpServletRequest request) throws IOException {
        WebhookSource source = sources.get(name);
        if (source == null) {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "unknown_source", "no source is called '" + name + "' (sources: "
                    + String.join(", ", sources.keySet().stream().sorted().toList()) + ")");
        }
        try {
            WebhookResponse response = handle(source, request);
            metrics.count(name, response.result());
            return response;
        } catch (WebhookRejected e) {
            metrics.count(name, e.reason());
            throw e;
        } catch (RetryLater e) {
            metrics.count(name, "unavailable");
            throw e;
        }
    }

    private WebhookResponse handle(WebhookSource source, HttpServletRequest request) throws IOException {
        source.disabledBecause().ifPresent(why -> {
            throw new WebhookRejected(HttpStatus.NOT_FOUND, "disabled", "the " + source.name() + " webhook is off: " + why);
        });
        WebhookDelivery delivery = new WebhookDelivery(RawBody.read(request, ingest.maxBodyBytes()),
                new ServletServerHttpRequest(request).getHeaders());
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
