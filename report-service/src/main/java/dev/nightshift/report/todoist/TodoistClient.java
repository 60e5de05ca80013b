package dev.nightshift.report.todoist;

import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The Todoist API v1 calls report makes. Writes carry an {@code X-Request-Id} derived from the run,
 * so Todoist drops a repeat of a write it already applied (a retry after a lost answer).
 */
@Component
public class TodoistClient {

    static final String REQUEST_ID = "X-Request-Id";

    private final RestClient client;

    public TodoistClient(RestClient.Builder builder, TodoistProperties properties) {
        this.client = builder.clone()
                .baseUrl(properties.apiBaseUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiToken())
                .build();
    }

    public void comment(String taskId, String content, String requestId) {
        client.post().uri("/comments")
                .header(REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("task_id", taskId, "content", content))
                .retrieve()
                .toBodilessEntity();
    }

    public List<String> labels(String taskId) {
        JsonNode task = client.get().uri("/tasks/{id}", taskId).retrieve().body(JsonNode.class);
        if (task == null || !task.path("labels").isArray()) {
            throw new IllegalStateException("Todoist task " + taskId + " came back without a labels list");
        }
        return task.path("labels").valueStream().map(JsonNode::asString).toList();
    }

    /** Replaces the task's whole label list: callers read, change, then write. */
    public void setLabels(String taskId, List<String> labels, String requestId) {
        client.post().uri("/tasks/{id}", taskId)
                .header(REQUEST_ID, requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("labels", labels))
                .retrieve()
                .toBodilessEntity();
    }
}
