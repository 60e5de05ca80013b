package dev.nightshift.ingest.todoist;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.ingest.IngestProperties;
import dev.nightshift.ingest.publish.TaskPublisher;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Trigger;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.RawBody;
import dev.nightshift.ingest.webhook.RecentDeliveries;
import dev.nightshift.ingest.webhook.RetryLater;
import dev.nightshift.ingest.webhook.WebhookMetrics;
import dev.nightshift.ingest.webhook.WebhookRejected;
import dev.nightshift.ingest.webhook.WebhookResponse;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /webhooks/todoist}: verify, read, route, publish. item:added requests a run; item:completed and item:deleted cancel it. */
@RestController
public class TodoistWebhookController {

    private static final Logger log = LoggerFactory.getLogger(TodoistWebhookController.class);
    private static final String SOURCE = "todoist";
    static final String DELIVERY_HEADER = "X-Todoist-Delivery-ID";
    private static final String ADDED = "item:added";
    /** A Todoist task is added once: its one version. */
    static final String ADDED_VERSION = "added";
    private static final Set<String> CANCELLING = Set.of("item:completed", "item:deleted");

    private final TodoistProperties todoist;
    private final IngestProperties ingest;
    private final WorkerCatalogue catalogue;
    private final TodoistProjects projects;
    private final TaskPublisher publisher;
    private final RecentDeliveries deliveries;
    private final WebhookMetrics metrics;
    private final Clock clock = Clock.systemUTC();

    public TodoistWebhookController(TodoistProperties todoist, IngestProperties ingest, WorkerCatalogue catalogue,
            TodoistProjects projects, TaskPublisher publisher, RecentDeliveries deliveries, WebhookMetrics metrics) {
        this.todoist = todoist;
        this.ingest = ingest;
        this.catalogue = catalogue;
        this.projects = projects;
        this.publisher = publisher;
        this.deliveries = deliveries;
        this.metrics = metrics;
    }

    @PostMapping("/webhooks/todoist")
    public WebhookResponse receive(HttpServletRequest request) throws IOException {
        try {
            WebhookResponse response = handle(request);
            metrics.count(SOURCE, response.result());
            return response;
        } catch (WebhookRejected e) {
            metrics.count(SOURCE, e.reason());
            throw e;
        } catch (RetryLater e) {
            metrics.count(SOURCE, "unavailable");
            throw e;
        }
    }

    private WebhookResponse handle(HttpServletRequest request) throws IOException {
        byte[] body = RawBody.read(request, ingest.maxBodyBytes());
        if (!TodoistSignature.verify(body, request.getHeader(TodoistSignature.HEADER), todoist.clientSecret())) {
            throw WebhookRejected.badSignature(TodoistSignature.HEADER);
        }
        TodoistDelivery delivery = TodoistDelivery.parse(body);
        boolean added = ADDED.equals(delivery.eventName());
        if (!added && !CANCELLING.contains(delivery.eventName())) {
            return WebhookResponse.ignored("event " + delivery.eventName() + " neither starts nor stops a worker");
        }
        TodoistDelivery.Item item = delivery.item();
        String taskKey = "todoist:" + item.id();
        String deliveryId = deliveryId(request, delivery, item);
        if (deliveries.contains(deliveryId)) {
            return WebhookResponse.duplicate(taskKey);
        }
        Optional<Worker> worker = route(item.projectId());
        if (worker.isEmpty()) {
            return WebhookResponse.ignored("no worker for Todoist project " + item.projectId());
        }
        if (!added) {
            // the person completed or deleted the task: a run in progress stops, a run not started never starts
            String reason = delivery.eventName().equals("item:completed") ? "the task was completed in Todoist" : "the task was deleted in Todoist";
            publisher.publish(TaskRequests.cancelled(taskKey, task(item), reason, SOURCE + ":" + deliveryId, clock.instant()));
            deliveries.remember(deliveryId);
            log.info("published the cancellation of {} ({})", taskKey, delivery.eventName());
            return WebhookResponse.published(taskKey);
        }
        // every delivery of one item:added (a retry, a second webhook) asks for the same version: it runs once
        TaskEvent event = TaskRequests.requested(taskKey, task(item), ADDED_VERSION, worker.get(), SOURCE + ":" + deliveryId, clock.instant());
        publisher.publish(event);
        deliveries.remember(deliveryId);
        log.info("published {} for worker {}", taskKey, worker.get().name());
        return WebhookResponse.published(taskKey);
    }

    private static TaskRef task(TodoistDelivery.Item item) {
        return TaskRef.newBuilder()
                .setSource(Source.TODOIST)
                .setSourceId(item.id())
                .setTitle(item.content())
                .setDescription(item.description() == null ? "" : item.description())
                .setUrl("https://app.todoist.com/app/task/" + item.id())
                .setLabels(item.labels() == null ? List.of() : item.labels())
                .setReference(TodoistTask.newBuilder().setId(item.id()).setProjectId(item.projectId()).build())
                .build();
    }

    private Optional<Worker> route(String projectId) {
        Optional<Worker> byId = catalogue.find(Trigger.TodoistProject.class, t -> t.project().equals(projectId));
        if (byId.isPresent()) {
            return byId;
        }
        // a worker may name the project rather than give its id: look the name up (cached; empty without a token)
        return projects.nameOf(projectId)
                .flatMap(name -> catalogue.find(Trigger.TodoistProject.class, t -> t.matches(projectId, name)));
    }

    /** Todoist repeats the delivery id on every retry; without one, the task id stands in (one add per task). */
    private static String deliveryId(HttpServletRequest request, TodoistDelivery delivery, TodoistDelivery.Item item) {
        String header = request.getHeader(DELIVERY_HEADER);
        return header != null && !header.isBlank() ? header : delivery.eventName() + ":" + item.id();
    }
}
