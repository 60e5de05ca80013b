package dev.nightshift.ingest.github;

import java.util.List;
import java.util.Objects;

import dev.nightshift.ingest.webhook.WebhookRejected;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parts of GitHub's {@code issues}, {@code issue_comment}, {@code pull_request} and {@code push}
 * payloads Nightshift reads; the rest is ignored.
 */
public record GitHubPayload(String action, Issue issue, PullRequest pullRequest, Comment comment, Label label, User assignee,
        Repository repository, User sender, String ref, String before, String after, Boolean deleted, String compare,
        List<Commit> commits) {

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** An issue, or a pull request as the issues API sees it ({@code pull_request} set). */
    public record Issue(Integer number, String title, String body, List<Label> labels, List<User> assignees, User user,
            String state, String htmlUrl, JsonNode pullRequest, String authorAssociation, String updatedAt) {
        public boolean hasLabel(String name) {
            return labels != null && labels.stream().anyMatch(l -> l != null && name.equalsIgnoreCase(l.name()));
        }

        public boolean assignedTo(String login) {
            return assignees != null && assignees.stream().anyMatch(u -> u != null && login.equalsIgnoreCase(u.login()));
        }

        public boolean isPullRequest() {
            return pullRequest != null && !pullRequest.isNull();
        }
    }

    public record PullRequest(Integer number, String title, String body, String htmlUrl, List<Label> labels, Ref head, Ref base,
            User user, String authorAssociation) {
    }

    public record Ref(String ref, String sha) {
    }

    public record Comment(Long id, String body, User user, String authorAssociation, String htmlUrl) {
    }

    public record Label(String name) {
    }

    public record User(String login, String type) {
    }

    public record Repository(String fullName) {
    }

    public record Commit(String id, String message) {
    }

    public static GitHubPayload parse(byte[] body) {
        GitHubPayload payload;
        try {
            payload = JSON.readValue(body, GitHubPayload.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("body is not a GitHub webhook payload: " + e.getOriginalMessage());
        }
        if (payload == null || payload.repository() == null || blank(payload.repository().fullName())) {
            throw WebhookRejected.malformed("body has no repository.full_name");
        }
        return payload;
    }

    /** The issue the event is about; 400 when it lacks what routing needs. */
    public Issue requireIssue(String event) {
        if (issue == null || issue.number() == null || issue.title() == null) {
            throw WebhookRejected.malformed(event + " needs issue.number and issue.title");
        }
        return issue;
    }

    public PullRequest requirePullRequest() {
        if (pullRequest == null || pullRequest.number() == null || pullRequest.title() == null || pullRequest.head() == null
                || blank(pullRequest.head().sha())) {
            throw WebhookRejected.malformed("pull_request needs pull_request.number, title and head.sha");
        }
        return pullRequest;
    }

    public Comment requireComment() {
        if (comment == null || comment.id() == null || comment.body() == null) {
            throw WebhookRejected.malformed("a comment event needs comment.id and comment.body");
        }
        return comment;
    }

    public String senderLogin() {
        return sender == null ? null : sender.login();
    }

    public boolean sentByBot() {
        return sender != null && "Bot".equals(sender.type());
    }

    public List<Commit> commitList() {
        return commits == null ? List.of() : commits.stream().filter(Objects::nonNull).toList();
    }

    /** An item as GitHub's REST API lists it: the same shape as in webhook payloads. */
    static <T> T restItem(JsonNode item, Class<T> type) {
        return JSON.treeToValue(item, type);
    }

    static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
