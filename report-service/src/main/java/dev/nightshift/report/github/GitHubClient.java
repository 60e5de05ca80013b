package dev.nightshift.report.github;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.nightshift.report.sink.Target;
import dev.nightshift.report.target.TargetFault;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import tools.jackson.databind.JsonNode;

/** The GitHub REST calls report makes on an issue or pull request, each through the sink's {@link Target}. */
public class GitHubClient {

    private static final int PAGE = 100;

    private final RestClient client;
    private final Target target;

    public GitHubClient(RestClient.Builder builder, GitHubProperties properties, Target target) {
        this.client = builder.clone()
                .baseUrl(properties.apiBaseUrl().toString())
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + properties.apiToken())
                .defaultHeader(HttpHeaders.ACCEPT, "application/vnd.github+json")
                .defaultHeader("X-GitHub-Api-Version", "2022-11-28")
                .build();
        this.target = target;
    }

    /** Creates a comment; returns its id. */
    public String comment(String repository, int number, String body) {
        JsonNode created = target.call("GitHub POST " + repository + "#" + number + " comment", () -> client.post()
                .uri("/repos/{owner}/{name}/issues/{n}/comments", at(repository, "n", number))
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("body", body))
                .retrieve()
                .body(JsonNode.class));
        return created == null ? "" : created.path("id").asString("");
    }

    public void editComment(String repository, String commentId, String body) {
        target.call("GitHub PATCH " + repository + " comment " + commentId, () -> client.patch()
                .uri("/repos/{owner}/{name}/issues/comments/{id}", at(repository, "id", commentId))
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("body", body))
                .retrieve()
                .toBodilessEntity());
    }

    /** The id of the issue's comment carrying this marker, if any (every page is looked at). */
    public Optional<String> findComment(String repository, int number, String marker) {
        for (int page = 1; ; page++) {
            int p = page;
            JsonNode comments = target.call("GitHub GET " + repository + "#" + number + " comments", () -> client.get()
                    .uri("/repos/{owner}/{name}/issues/{n}/comments?per_page={size}&page={page}",
                            at(repository, "n", number, "size", PAGE, "page", p))
                    .retrieve()
                    .body(JsonNode.class));
            if (comments == null || !comments.isArray()) {
                return Optional.empty();
            }
            for (JsonNode comment : comments) {
                if (comment.path("body").asString("").contains(marker)) {
                    return Optional.of(comment.path("id").asString());
                }
            }
            if (comments.size() < PAGE) {
                return Optional.empty();
            }
        }
    }

    /** Opens an issue; returns its number. */
    public String createIssue(String repository, String title, String body) {
        JsonNode created = target.call("GitHub POST " + repository + " issue", () -> client.post()
                .uri("/repos/{owner}/{name}/issues", at(repository))
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("title", title, "body", body))
                .retrieve()
                .body(JsonNode.class));
        return created == null ? "" : created.path("number").asString("");
    }

    /**
     * The number of a recent issue carrying this marker, if any: an issue made just before a crash is among
     * the newest, so the first page of the most recently created is looked at.
     */
    public Optional<String> findRecentIssue(String repository, String marker) {
        JsonNode issues = target.call("GitHub GET " + repository + " issues", () -> client.get()
                .uri("/repos/{owner}/{name}/issues?state=all&sort=created&direction=desc&per_page={size}", at(repository, "size", PAGE))
                .retrieve()
                .body(JsonNode.class));
        if (issues == null || !issues.isArray()) {
            return Optional.empty();
        }
        for (JsonNode issue : issues) {
            if (issue.path("body").asString("").contains(marker)) {
                return Optional.of(issue.path("number").asString());
            }
        }
        return Optional.empty();
    }

    public void addLabels(String repository, int number, List<String> labels) {
        target.call("GitHub POST " + repository + "#" + number + " labels", () -> client.post()
                .uri("/repos/{owner}/{name}/issues/{n}/labels", at(repository, "n", number))
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("labels", labels))
                .retrieve()
                .toBodilessEntity());
    }

    /** Removes a label; one that is not there (404) is already removed. */
    public void removeLabel(String repository, int number, String label) {
        try {
            target.call("GitHub DELETE " + repository + "#" + number + " label " + label, () -> client.delete()
                    .uri("/repos/{owner}/{name}/issues/{n}/labels/{label}", at(repository, "n", number, "label", label))
                    .retrieve()
                    .toBodilessEntity());
        } catch (TargetFault.Refused refused) {
            if (!(refused.getCause() instanceof RestClientResponseException r && r.getStatusCode().value() == 404)) {
                throw refused;
            }
        }
    }

    /** The URI variables of a repository "owner/name" and more: the slash must stay a path separator. */
    private static Map<String, Object> at(String repository, Object... more) {
        int slash = repository.indexOf('/');
        Map<String, Object> variables = new HashMap<>();
        variables.put("owner", repository.substring(0, slash));
        variables.put("name", repository.substring(slash + 1));
        for (int i = 0; i < more.length; i += 2) {
            variables.put((String) more[i], more[i + 1]);
        }
        return variables;
    }

    /** The token's user: passes when the token is accepted. */
    public void checkToken() {
        target.probe("GitHub GET /user", () -> client.get().uri("/user").retrieve().toBodilessEntity());
    }
}
