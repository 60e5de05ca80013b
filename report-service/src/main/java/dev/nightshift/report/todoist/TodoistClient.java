package dev.nightshift.report.todoist;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.nightshift.report.sink.Target;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The Todoist API v1 calls report makes, each through the sink's {@link Target} (rate limit, retries).
 * Writes carry an {@code X-Request-Id} derived from the run, so Todoist can drop a repeat of a write it
 * already applied (not relied on: the write log is what keeps a write single).
 */
public class TodoistClient {

    static final String REQUEST_ID = "X-Request-Id";

    private final RestClient client;
    private final Target target;

    public TodoistClient(RestClient.Builder builder, TodoistProperties properties, Target target) {
        this.client = builder.clone()
                .baseUrl(properties.apiBaseUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiToken())
                .build();
        this.target = target;
    }

    /** Creates a comment; returns its id. */
    public String comment(String taskId, String content, String requestId) {
        JsonNode created = target.call("Todoist POST /comments", () -> client.post().uri("/comments")
                .header(REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("task_id", taskId, "content", content))
                .retrieve()
                .body(JsonNode.class));
        return created == null ? "" : created.path("id").asString("");
    }

    /** Edits a comment in place. */
    public void editComment(String commentId, String content) {
        target.call("Todoist POST /comments/" + commentId, () -> client.post().uri("/comments/{id}", commentId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("content", content))
                .retrieve()
                .toBodilessEntity());
    }

    /** The id of the task's comment that carries this marker, if there is one (every page is looked at). */
    public Optional<String> findComment(String taskId, String marker) {
        String cursor = null;
        do {
            String page = cursor;
            JsonNode answer = target.call("Todoist GET /comments", () -> client.get()
                    .uri(b -> {
                        b.path("/comments").queryParam("task_id", taskId).queryParam("limit", 200);
                        return (page == null ? b : b.queryParam("cursor", page)).build();
                    })
                    .retrieve()
                    .body(JsonNode.class));
            if (answer == null) {
                return Optional.empty();
            }
            for (JsonNode comment : answer.path("results")) {
                if (comment.path("content").asString("").contains(marker)) {
                    return Optional.of(comment.path("id").asString());
                }
            }
            cursor = answer.path("next_cursor").isString() ? answer.path("next_cursor").asString() : null;
        } while (cursor != null);
        return Optional.empty();
    }

    public List<String> labels(String taskId) {
        JsonNode task = target.call("Todoist GET /tasks/" + taskId, () -> client.get().uri("/tasks/{id}", taskId).retrieve().body(JsonNode.class));
        if (task == null || !task.path("labels").isArray()) {
            throw new IllegalStateException("Todoist task " + taskId + " came back without a labels list");
        }
        return task.path("labels").valueStream().map(JsonNode::asString).toList();
    }

    /** Replaces the task's whole label list: callers read, change, then write. */
    public void setLabels(String taskId, List<String> labels, String requestId) {
        target.call("Todoist POST /tasks/" + taskId, () -> client.post().uri("/tasks/{id}", taskId)
                .header(REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("labels", labels))
                .retrieve()
                .toBodilessEntity());
    }

    /** Lists one project: passes when the token is accepted. */
    public void checkToken() {
        target.probe("Todoist GET /projects", () -> client.get().uri("/projects?limit=1").retrieve().toBodilessEntity());
    }
}
