package dev.nightshift.ingest.linear;

import java.util.List;

import dev.nightshift.ingest.webhook.WebhookRejected;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The parts of Linear's data-change ({@code Issue}) and {@code AgentSessionEvent} webhooks Nightshift reads. */
public record LinearPayload(String type, String action, JsonNode data, JsonNode updatedFrom, Actor actor, Long webhookTimestamp,
        AgentSession agentSession, AgentActivity agentActivity, String promptContext) {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public record Issue(String id, String identifier, String title, String description, String teamId, Team team, List<Label> labels,
            State state, String url) {
        public String team(boolean key) {
            return key ? (team == null ? null : team.key()) : (teamId != null ? teamId : team == null ? null : team.id());
        }

        public Label label(String name) {
            return labels == null ? null : labels.stream().filter(l -> l != null && name.equalsIgnoreCase(l.name())).findFirst().orElse(null);
        }
    }

    public record Team(String id, String key) {
    }

    public record Label(String id, String name) {
    }

    public record State(String name, String type) {
    }

    public record Actor(String id, String type, String name) {
    }

    public record AgentSession(String id, Issue issue, Comment comment, String promptContext) {
    }

    public record Comment(String id, String body, String userId) {
    }

    /** A person's message in a session; {@code signal} is {@code stop} when they stopped the agent. */
    public record AgentActivity(String id, String body, String signal, JsonNode content) {
        public String text() {
            if (body != null) {
                return body;
            }
            return content == null ? "" : content.path("body").asString("");
        }
    }

    /** An issue as Linear's GraphQL API answers it; its labels come as a connection ({@code labels.nodes}). */
    static Issue graphIssue(JsonNode node) {
        ObjectNode issue = ((ObjectNode) node).deepCopy();
        issue.set("labels", node.path("labels").path("nodes"));
        return JSON.treeToValue(issue, Issue.class);
    }

    public static LinearPayload parse(byte[] body) {
        LinearPayload payload;
        try {
            payload = JSON.readValue(body, LinearPayload.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("body is not a Linear webhook: " + e.getOriginalMessage());
        }
        if (payload == null || blank(payload.type()) || blank(payload.action())) {
            throw WebhookRejected.malformed("body has no type or action");
        }
        return payload;
    }

    /** Only the timestamp, read before the rest so a stale delivery costs no more than this. */
    public static Long timestamp(byte[] body) {
        try {
            JsonNode ts = JSON.readTree(body).path("webhookTimestamp");
            return ts.isIntegralNumber() && ts.canConvertToLong() ? ts.asLong() : null;
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("body is not a Linear webhook: " + e.getOriginalMessage());
        }
    }

    public Issue requireIssue() {
        Issue issue;
        try {
            issue = data == null || !data.isObject() ? null : JSON.treeToValue(data, Issue.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("data is not a Linear issue: " + e.getOriginalMessage());
        }
        return checked(issue, "data");
    }

    public AgentSession requireSession() {
        if (agentSession == null || blank(agentSession.id())) {
            throw WebhookRejected.malformed("AgentSessionEvent needs agentSession.id");
        }
        checked(agentSession.issue(), "agentSession.issue");
        return agentSession;
    }

    /** The ids of the labels the issue had before an update, when the update changed them. */
    public List<String> previousLabelIds() {
        JsonNode ids = updatedFrom == null ? null : updatedFrom.get("labelIds");
        return ids == null || !ids.isArray() ? null : ids.valueStream().map(n -> n.asString("")).toList();
    }

    public boolean changed(String field) {
        return updatedFrom != null && updatedFrom.has(field);
    }

    private static Issue checked(Issue issue, String where) {
        if (issue == null || blank(issue.id()) || blank(issue.identifier()) || issue.title() == null) {
            throw WebhookRejected.malformed(where + " needs id, identifier and title");
        }
        return issue;
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
