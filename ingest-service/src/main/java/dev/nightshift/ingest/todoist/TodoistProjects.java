package dev.nightshift.ingest.todoist;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.nightshift.ingest.publish.RetryLater;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import tools.jackson.databind.JsonNode;

/**
 * Project names by id, for workers that name their project rather than give its id. Names are
 * cached: a renamed project keeps matching under its old name until ingest restarts.
 */
@Component
public class TodoistProjects {

    private final RestClient client;
    private final boolean enabled;
    private final Map<String, String> names = new ConcurrentHashMap<>();

    public TodoistProjects(RestClient.Builder builder, TodoistProperties properties) {
        this.enabled = properties.apiToken() != null && !properties.apiToken().isBlank();
        this.client = builder.clone()
                .baseUrl(properties.apiBaseUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiToken())
                .build();
    }

    /**
     * Empty when no API token is set (then only workers naming the project id can match), or when Todoist
     * answers that the token's user cannot see the project (404, 403).
     */
    public Optional<String> nameOf(String projectId) {
        if (!enabled) {
            return Optional.empty();
        }
        String cached = names.get(projectId);
        if (cached != null) {
            return Optional.of(cached);
        }
        try {
            JsonNode project = client.get().uri("/projects/{id}", projectId).retrieve().body(JsonNode.class);
            String name = project == null ? null : project.path("name").asString(null);
            if (name != null) {
                names.put(projectId, name);
            }
            return Optional.ofNullable(name);
        } catch (HttpClientErrorException.NotFound | HttpClientErrorException.Forbidden e) {
            // webhooks fire for every user of the app: a project this token's user cannot see is not ours
            return Optional.empty();
        } catch (RestClientException e) {
            // Not knowing the project means not knowing whether a worker wants it: let Todoist retry.
            throw new RetryLater("could not read Todoist project " + projectId + " to match workers by name: "
                    + e.getMessage(), e);
        }
    }
}
