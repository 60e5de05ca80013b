package dev.nightshift.ingest.todoist;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.ingest.reconcile.Poller;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Trigger;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Lists the open tasks of every project a worker names (by id or by name), as {@code item:added} would have
 * requested them: version {@code added}. A task already carrying the worker's done or failed label is left.
 */
@Component
public class TodoistPoller implements Poller {

    /** Todoist's largest page. */
    private static final int PAGE = 200;

    private final TodoistProperties todoist;
    private final WorkerCatalogue catalogue;
    private final RestClient client;

    public TodoistPoller(TodoistProperties todoist, WorkerCatalogue catalogue, RestClient.Builder builder) {
        this.todoist = todoist;
        this.catalogue = catalogue;
        this.client = builder.clone()
                .baseUrl(todoist.apiBaseUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + todoist.apiToken())
                .build();
    }

    @Override
    public String source() {
        return "todoist";
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.ofNullable(todoist.pollInterval());
    }

    @Override
    public Optional<String> misconfigured() {
        return todoist.apiToken() == null || todoist.apiToken().isBlank()
                ? Optional.of("nightshift.ingest.todoist.api-token (TODOIST_API_TOKEN) is not set")
                : Optional.empty();
    }

    @Override
    public List<Found> openRequests() {
        List<Worker> workers = catalogue.workers().stream().filter(w -> w.trigger() instanceof Trigger.TodoistProject).toList();
        if (workers.isEmpty()) {
            return List.of();
        }
        List<Found> requests = new ArrayList<>();
        Instant now = Instant.now();
        for (JsonNode project : pages(uri -> uri.path("/projects").build())) {
            String id = project.path("id").asString("");
            String name = project.path("name").asString("");
            Optional<Worker> worker = workers.stream().filter(w -> ((Trigger.TodoistProject) w.trigger()).matches(id, name)).findFirst();
            if (worker.isEmpty()) {
                continue;
            }
            for (JsonNode node : pages(uri -> uri.path("/tasks").queryParam("project_id", id).build())) {
                TodoistDelivery.Item task = TodoistDelivery.restTask(node);
                if (task.id() == null || task.content() == null || worker.get().finishedOn(task.labels() == null ? l -> false : task.labels()::contains)) {
                    continue;
                }
                String taskKey = "todoist:" + task.id();
                // the listing names no initiator: the worker's cap counts it
                requests.add(new Found(TaskRequests.requested(taskKey, TodoistWebhook.task(task), TodoistWebhook.ADDED_VERSION, worker.get(),
                        "todoist:poll:" + taskKey, now), worker.get(), null));
            }
        }
        return requests;
    }

    /** Every result of a listing, following {@code next_cursor}. */
    private List<JsonNode> pages(Function<UriBuilder, URI> first) {
        List<JsonNode> results = new ArrayList<>();
        String cursor = null;
        do {
            String after = cursor;
            JsonNode page = client.get().uri(uri -> {
                UriBuilder b = uri.queryParam("limit", PAGE);
                if (after != null) {
                    b.queryParam("cursor", after);
                }
                return first.apply(b);
            }).retrieve().body(JsonNode.class);
            if (page == null) {
                break;
            }
            page.path("results").forEach(results::add);
            cursor = page.path("next_cursor").asString(null);
        } while (cursor != null && !cursor.isBlank());
        return results;
    }
}
