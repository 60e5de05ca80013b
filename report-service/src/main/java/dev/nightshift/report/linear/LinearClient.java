package dev.nightshift.report.linear;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.nightshift.report.sink.Limits;
import dev.nightshift.report.sink.Target;
import dev.nightshift.report.target.TargetFault;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;

/**
 * The Linear GraphQL calls report makes, each through the sink's {@link Target}. An answer with
 * {@code errors}, or a mutation with {@code success: false}, is a failure even with HTTP 200: a rate limit
 * waits, an authentication error pauses the sink, anything else (a deleted issue or session) is a refusal,
 * so it is parked rather than retried forever. Workflow states and labels are looked up by name once.
 */
public class LinearClient {

    private final RestClient client;
    private final Target target;
    private final Limits limits;
    /** (team id, state name) to state id; label name to label id. */
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private final Map<String, String> labels = new ConcurrentHashMap<>();

    public LinearClient(RestClient.Builder builder, LinearProperties properties, Target target) {
        this.client = builder.clone()
                .baseUrl(properties.apiUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, properties.apiKey())
                .build();
        this.target = target;
        this.limits = properties.limits();
    }

    public String comment(String issueId, String body) {
        JsonNode created = mutation("commentCreate", """
                mutation($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id } } }""",
                Map.of("input", Map.of("issueId", issueId, "body", body)));
        return created.path("comment").path("id").asString("");
    }

    public void editComment(String commentId, String body) {
        mutation("commentUpdate", """
                mutation($id: String!, $input: CommentUpdateInput!) { commentUpdate(id: $id, input: $input) { success } }""",
                Map.of("id", commentId, "input", Map.of("body", body)));
    }

    /** The id of the issue's comment carrying this marker, if any (every page is looked at). */
    public Optional<String> findComment(String issueId, String marker) {
        String after = null;
        do {
            Map<String, Object> variables = new HashMap<>();
            variables.put("id", issueId);
            variables.put("after", after);
            JsonNode comments = query("issue comments", """
                    query($id: String!, $after: String) { issue(id: $id) { comments(first: 100, after: $after) {
                      nodes { id body } pageInfo { hasNextPage endCursor } } } }""", variables).path("issue").path("comments");
            for (JsonNode comment : comments.path("nodes")) {
                if (comment.path("body").asString("").contains(marker)) {
                    return Optional.of(comment.path("id").asString());
                }
            }
            after = comments.path("pageInfo").path("hasNextPage").asBoolean(false)
                    ? comments.path("pageInfo").path("endCursor").asString(null) : null;
        } while (after != null);
        return Optional.empty();
    }

    /** Moves the issue to its team's workflow state of this name. */
    public void moveTo(String issueId, String stateName) {
        String team = query("issue team", "query($id: String!) { issue(id: $id) { team { id } } }", Map.of("id", issueId))
                .path("issue").path("team").path("id").asString("");
        String stateId = states.computeIfAbsent(team + "\u0000" + stateName, k -> {
            JsonNode nodes = query("workflow states", """
                    query($team: ID!, $name: String!) { workflowStates(filter: { team: { id: { eq: $team } }, name: { eqIgnoreCase: $name } }) {
                      nodes { id name } } }""", Map.of("team", team, "name", stateName)).path("workflowStates").path("nodes");
            if (nodes.isEmpty()) {
                throw new TargetFault.Refused("Linear: team " + team + " has no workflow state '" + stateName + "'", null);
            }
            return nodes.get(0).path("id").asString();
        });
        mutation("issueUpdate", """
                mutation($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success } }""",
                Map.of("id", issueId, "input", Map.of("stateId", stateId)));
    }

    public void addLabel(String issueId, String labelName) {
        String labelId = labels.computeIfAbsent(labelName, name -> {
            JsonNode nodes = query("issue labels", """
                    query($name: String!) { issueLabels(filter: { name: { eqIgnoreCase: $name } }) { nodes { id name } } }""",
                    Map.of("name", name)).path("issueLabels").path("nodes");
            if (nodes.isEmpty()) {
                throw new TargetFault.Refused("Linear has no label '" + name + "'", null);
            }
            return nodes.get(0).path("id").asString();
        });
        mutation("issueAddLabel", """
                mutation($id: String!, $labelId: String!) { issueAddLabel(id: $id, labelId: $labelId) { success } }""",
                Map.of("id", issueId, "labelId", labelId));
    }

    /** An activity in an agent session: content is {type: thought|action|response|error, ...}. */
    public void activity(String sessionId, Map<String, Object> content) {
        mutation("agentActivityCreate", """
                mutation($input: AgentActivityCreateInput!) { agentActivityCreate(input: $input) { success } }""",
                Map.of("input", Map.of("agentSessionId", sessionId, "content", content)));
    }

    /** The key's user: passes when the key is accepted. */
    public void checkKey() {
        target.probe("Linear viewer", () -> answer("viewer", "query { viewer { id } }", Map.of()));
    }

    private JsonNode mutation(String name, String document, Map<String, Object> variables) {
        JsonNode result = query(name, document, variables).path(name);
        if (!result.path("success").asBoolean(false)) {
            throw new TargetFault.Refused("Linear " + name + " answered success: false", null);
        }
        return result;
    }

    private JsonNode query(String what, String document, Map<String, Object> variables) {
        return target.call("Linear " + what, () -> answer(what, document, variables));
    }

    private JsonNode answer(String what, String document, Map<String, Object> variables) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("query", document);
        request.put("variables", variables);
        JsonNode answer = client.post().contentType(MediaType.APPLICATION_JSON).body(request).retrieve().body(JsonNode.class);
        if (answer == null) {
            throw new TargetFault.Unavailable("Linear " + what + " answered nothing", null);
        }
        JsonNode errors = answer.path("errors");
        if (errors.isArray() && !errors.isEmpty()) {
            throw fault(what, errors);
        }
        return answer.path("data");
    }

    private TargetFault fault(String what, JsonNode errors) {
        String message = "Linear " + what + " answered errors: " + errors;
        List<String> codes = errors.valueStream().map(e -> e.path("extensions").path("code").asString("")).toList();
        if (codes.contains("RATELIMITED")) {
            return new TargetFault.RateLimited(message, limits.rateLimitWait(), null);
        }
        if (codes.contains("AUTHENTICATION_ERROR") || codes.contains("FORBIDDEN")) {
            return new TargetFault.CredentialRejected(message, null);
        }
        return new TargetFault.Refused(message, null);
    }
}
