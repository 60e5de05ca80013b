package dev.nightshift.ingest.linear;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.ingest.linear.LinearPayload.Issue;
import dev.nightshift.ingest.reconcile.Poller;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Trigger.LinearTeam;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import tools.jackson.databind.JsonNode;

/**
 * Lists, per worker with a label, its team's open issues (not completed or cancelled) carrying the label, as
 * the webhook would have requested them (version {@code issue}). Agent sessions are not listed: Linear creates
 * them with the event. An issue with the worker's done or failed label is left.
 */
@Component
public class LinearPoller implements Poller {

    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_PAGES = 20;
    private static final String QUERY = """
            query OpenIssues($filter: IssueFilter, $after: String) {
              issues(first: 50, after: $after, filter: $filter) {
                nodes { id identifier title description url team { id key } labels { nodes { id name } } state { name type } }
                pageInfo { hasNextPage endCursor }
              }
            }""";

    private final LinearProperties linear;
    private final WorkerCatalogue catalogue;
    private final RestClient client;

    public LinearPoller(LinearProperties linear, WorkerCatalogue catalogue, RestClient.Builder builder) {
        this.linear = linear;
        this.catalogue = catalogue;
        this.client = builder.clone()
                .baseUrl(linear.apiUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, String.valueOf(linear.apiKey()))
                .build();
    }

    @Override
    public String source() {
        return "linear";
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.ofNullable(linear.pollInterval());
    }

    @Override
    public Optional<String> misconfigured() {
        return linear.apiKey() == null || linear.apiKey().isBlank()
                ? Optional.of("nightshift.ingest.linear.api-key (LINEAR_API_KEY) is not set")
                : Optional.empty();
    }

    @Override
    public List<Found> openRequests() {
        Map<String, Found> requests = new LinkedHashMap<>();
        Instant now = Instant.now();
        for (Worker worker : catalogue.workers()) {
            if (!(worker.trigger() instanceof LinearTeam t) || t.label() == null) {
                continue;
            }
            for (Issue issue : openIssues(t)) {
                String taskKey = "linear:" + issue.identifier();
                if (issue.identifier() == null || issue.title() == null || worker.finishedOn(l -> issue.label(l) != null) || requests.containsKey(taskKey)) {
                    continue;
                }
                // the listing names no actor: the worker's cap counts it
                requests.put(taskKey, new Found(TaskRequests.requested(taskKey, LinearWebhook.task(issue, issue.description(), null),
                        LinearWebhook.ISSUE_VERSION, worker, "linear:poll:" + taskKey, now), worker, null));
            }
        }
        return List.copyOf(requests.values());
    }

    private List<Issue> openIssues(LinearTeam trigger) {
        Map<String, Object> team = UUID.matcher(trigger.team()).matches()
                ? Map.of("id", Map.of("eq", trigger.team()))
                : Map.of("key", Map.of("eqIgnoreCase", trigger.team()));
        Map<String, Object> filter = Map.of(
                "team", team,
                "labels", Map.of("some", Map.of("name", Map.of("eqIgnoreCase", trigger.label()))),
                "state", Map.of("type", Map.of("nin", List.of("completed", "canceled"))));
        List<Issue> issues = new ArrayList<>();
        String after = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            Map<String, Object> variables = new LinkedHashMap<>();
            variables.put("filter", filter);
            variables.put("after", after);
            JsonNode answer = client.post().contentType(MediaType.APPLICATION_JSON)
                    .body(Map.of("query", QUERY, "variables", variables)).retrieve().body(JsonNode.class);
            if (answer == null || answer.has("errors")) {
                // GraphQL reports failures (a rate limit among them) in a 200
                throw new RestClientException("Linear answered errors: " + (answer == null ? "nothing" : answer.path("errors")));
            }
            JsonNode connection = answer.path("data").path("issues");
            connection.path("nodes").forEach(node -> issues.add(LinearPayload.graphIssue(node)));
            if (!connection.path("pageInfo").path("hasNextPage").asBoolean(false)) {
                break;
            }
            after = connection.path("pageInfo").path("endCursor").asString(null);
        }
        return issues;
    }
}
