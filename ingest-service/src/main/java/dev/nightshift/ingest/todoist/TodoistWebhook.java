package dev.nightshift.ingest.todoist;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistTask;
import dev.nightshift.ingest.publish.RetryLater;
import dev.nightshift.ingest.routing.Trigger;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.Decision;
import dev.nightshift.ingest.webhook.WebhookDelivery;
import dev.nightshift.ingest.webhook.WebhookRejected;
import dev.nightshift.ingest.webhook.WebhookSource;
import org.springframework.stereotype.Component;

/** {@code POST /webhooks/todoist}: item:added requests a run; item:completed and item:deleted cancel it. */
@Component
public class TodoistWebhook implements WebhookSource {

    static final String DELIVERY_HEADER = "X-Todoist-Delivery-ID";
    private static final String ADDED = "item:added";
    /** A Todoist task is added once: its one version. */
    static final String ADDED_VERSION = "added";
    private static final Set<String> CANCELLING = Set.of("item:completed", "item:deleted");

    private final TodoistProperties todoist;
    private final WorkerCatalogue catalogue;
    private final TodoistProjects projects;

    public TodoistWebhook(TodoistProperties todoist, WorkerCatalogue catalogue, TodoistProjects projects) {
        this.todoist = todoist;
        this.catalogue = catalogue;
        this.projects = projects;
    }

    @Override
    public String name() {
        return "todoist";
    }

    @Override
    public Optional<String> disabledBecause() {
        return todoist.clientSecret() == null || todoist.clientSecret().isBlank()
                ? Optional.of("nightshift.ingest.todoist.client-secret (TODOIST_CLIENT_SECRET) is not set")
                : Optional.empty();
    }

    @Override
    public void verify(WebhookDelivery delivery) {
        if (!TodoistSignature.verify(delivery.body(), delivery.header(TodoistSignature.HEADER), todoist.clientSecret())) {
            throw WebhookRejected.badSignature(TodoistSignature.HEADER);
        }
    }

    @Override
    public Decision decide(WebhookDelivery delivery) {
        TodoistDelivery body = TodoistDelivery.parse(delivery.body());
        boolean added = ADDED.equals(body.eventName());
        if (!added && !CANCELLING.contains(body.eventName())) {
            return Decision.ignore("event " + body.eventName() + " neither starts nor stops a worker");
        }
        TodoistDelivery.Item item = body.item();
        String taskKey = "todoist:" + item.id();
        Optional<Worker> worker;
        try {
            worker = route(item.projectId());
        } catch (RetryLater e) {
            if (todoist.pollInterval() == null) {
                throw e;
            }
            // the poll lists the projects workers name: a task this look-up failed for is found there, not lost
            return Decision.ignore("could not look Todoist project " + item.projectId() + " up (" + e.getMessage()
                    + "); reconciliation will find its tasks if a worker wants them");
        }
        if (worker.isEmpty()) {
            return Decision.ignore("no worker for Todoist project " + item.projectId());
        }
        String deliveryId = deliveryId(delivery, body, item);
        if (!added) {
            // the person completed or deleted the task: a run in progress stops, a run not started never starts
            String reason = body.eventName().equals("item:completed") ? "the task was completed in Todoist" : "the task was deleted in Todoist";
            return Decision.cancel(name(), deliveryId, taskKey, task(item), reason);
        }
        // every delivery of one item:added (a retry, a second webhook) asks for the same version: it runs once
        return Decision.request(name(), deliveryId, taskKey, task(item), ADDED_VERSION, worker.get(), body.eventName(), body.author());
    }

    static TaskRef task(TodoistDelivery.Item item) {
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
    private static String deliveryId(WebhookDelivery delivery, TodoistDelivery body, TodoistDelivery.Item item) {
        String header = delivery.header(DELIVERY_HEADER);
        return header != null && !header.isBlank() ? header : body.eventName() + ":" + item.id();
    }
}
