package dev.nightshift.ingest.github;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.github.GitHubPayload.Issue;
import dev.nightshift.ingest.github.GitHubPayload.PullRequest;
import dev.nightshift.ingest.reconcile.Poller;
import dev.nightshift.ingest.routing.TaskRequests;
import dev.nightshift.ingest.routing.Trigger.GitHubRepository;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Lists, per repository a worker watches, the open issues with its label or assignee (version {@code issue},
 * as the webhook gives) and, for workers that take pull requests, the open pull requests (version
 * {@code head:<sha>}). Mentions and pushes are not listed: a comment or a commit range cannot be told from
 * the current state, so those still need their webhook. An issue with the worker's done or failed label is left.
 */
@Component
public class GitHubPoller implements Poller {

    private static final Logger log = LoggerFactory.getLogger(GitHubPoller.class);
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>;\\s*rel=\"next\"");
    /** At most this many pages of 100 per listing: a poll stays bounded in requests (GitHub allows 5,000 an hour). */
    private static final int MAX_PAGES = 10;

    private final GitHubProperties github;
    private final WorkerCatalogue catalogue;
    private final RestClient client;
    private final WhoMayStart whoMayStart;

    public GitHubPoller(GitHubProperties github, WorkerCatalogue catalogue, RestClient.Builder builder) {
        this.github = github;
        this.catalogue = catalogue;
        this.whoMayStart = new WhoMayStart(github);
        this.client = builder.clone()
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + github.apiToken())
                .defaultHeader(HttpHeaders.ACCEPT, "application/vnd.github+json")
                .defaultHeader("X-GitHub-Api-Version", "2022-11-28")
                .build();
    }

    @Override
    public String source() {
        return "github";
    }

    @Override
    public Optional<Duration> interval() {
        return Optional.ofNullable(github.pollInterval());
    }

    @Override
    public Optional<String> misconfigured() {
        return GitHubPayload.blank(github.apiToken())
                ? Optional.of("nightshift.ingest.github.api-token (GITHUB_TOKEN) is not set")
                : Optional.empty();
    }

    @Override
    public List<Found> openRequests() {
        Map<String, List<Worker>> byRepository = new LinkedHashMap<>();
        for (Worker w : catalogue.workers()) {
            if (w.trigger() instanceof GitHubRepository t) {
                byRepository.computeIfAbsent(t.repository().toLowerCase(), r -> new ArrayList<>()).add(w);
            }
        }
        List<Found> requests = new ArrayList<>();
        Instant now = Instant.now();
        byRepository.forEach((key, workers) -> {
            String repository = ((GitHubRepository) workers.getFirst().trigger()).repository();
            Map<Integer, Issue> issues = new LinkedHashMap<>();
            for (Worker w : workers) {
                GitHubRepository t = (GitHubRepository) w.trigger();
                if (t.label() != null) {
                    list(repository, "/issues", "labels", t.label(), Issue.class).forEach(i -> issues.putIfAbsent(i.number(), i));
                }
                if (t.assignee() != null) {
                    list(repository, "/issues", "assignee", t.assignee(), Issue.class).forEach(i -> issues.putIfAbsent(i.number(), i));
                }
            }
            for (Issue issue : issues.values()) {
                // the issues API lists pull requests too; theirs are pull_request events, not issues ones
                if (issue.number() == null || issue.title() == null || issue.isPullRequest()) {
                    continue;
                }
                workers.stream().filter(w -> GitHubWebhook.wants((GitHubRepository) w.trigger(), issue)).findFirst()
                        .filter(w -> !w.finishedOn(issue::hasLabel))
                        // a listing has no sender: the issue's author answers for it
                        .filter(w -> allowed(w, repository + "#" + issue.number(),
                                new WhoMayStart.Asker(issue.authorAssociation(), GitHubWebhook.login(issue.user()), null)))
                        .ifPresent(w -> requests.add(request(GitHubWebhook.issueKey(repository, issue.number()),
                                GitHubWebhook.issueTask(repository, issue), GitHubWebhook.ISSUE_VERSION, w, GitHubWebhook.login(issue.user()), now)));
            }
            workers.stream().filter(w -> ((GitHubRepository) w.trigger()).pullRequests()).findFirst().ifPresent(w -> {
                for (PullRequest pr : list(repository, "/pulls", null, null, PullRequest.class)) {
                    if (pr.number() != null && pr.title() != null && pr.head() != null && !GitHubPayload.blank(pr.head().sha())
                            && allowed(w, repository + "#" + pr.number(),
                                    new WhoMayStart.Asker(pr.authorAssociation(), GitHubWebhook.login(pr.user()), null))) {
                        requests.add(request(GitHubWebhook.issueKey(repository, pr.number()), GitHubWebhook.pullRequestTask(repository, pr),
                                "head:" + pr.head().sha(), w, GitHubWebhook.login(pr.user()), now));
                    }
                }
            });
        });
        return requests;
    }

    private boolean allowed(Worker worker, String item, WhoMayStart.Asker asker) {
        Optional<String> refusal = whoMayStart.refusal(worker, asker);
        refusal.ifPresent(why -> log.info("polling found {}, left: {}", item, why));
        return refusal.isEmpty();
    }

    /** A listing has no sender: the item's author is who asked. */
    private static Found request(String taskKey, TaskRef task, String version, Worker worker, String author, Instant now) {
        return new Found(TaskRequests.requested(taskKey, task, version, worker, "github:poll:" + taskKey + " " + version, now), worker, author);
    }

    /** Every open item of one listing, following the {@code Link} header's next page. */
    private <T> List<T> list(String repository, String path, String filter, String value, Class<T> type) {
        UriComponentsBuilder first = UriComponentsBuilder.fromUri(github.apiBaseUrl())
                .path("/repos/" + repository + path).queryParam("state", "open").queryParam("per_page", 100);
        if (filter != null) {
            first.queryParam(filter, value);
        }
        List<T> items = new ArrayList<>();
        URI next = first.encode().build().toUri();
        for (int page = 0; next != null; page++) {
            if (page == MAX_PAGES) {
                log.warn("polling {}{} stopped after {} pages; the rest waits for the next poll", repository, path, MAX_PAGES);
                break;
            }
            ResponseEntity<JsonNode> response = client.get().uri(next).retrieve().toEntity(JsonNode.class);
            if (response.getBody() != null) {
                response.getBody().forEach(node -> items.add(GitHubPayload.restItem(node, type)));
            }
            String link = response.getHeaders().getFirst(HttpHeaders.LINK);
            Matcher m = link == null ? null : NEXT.matcher(link);
            next = m != null && m.find() ? onApiHost(m.group(1), repository + path) : null;
        }
        return items;
    }

    /**
     * The next page, if it is on the API's own scheme, host and port: the token goes with every request, so a
     * {@code Link} elsewhere (a proxy's rewrite, a forged answer) ends the listing instead of being followed.
     */
    private URI onApiHost(String link, String listing) {
        URI api = github.apiBaseUrl();
        URI next;
        try {
            next = URI.create(link);
        } catch (IllegalArgumentException e) {
            log.warn("polling {} stopped paging: the next page's link is not a URI ({})", listing, e.getMessage());
            return null;
        }
        if (next.getScheme() == null || next.getHost() == null || !next.getScheme().equalsIgnoreCase(api.getScheme())
                || !next.getHost().equalsIgnoreCase(api.getHost()) || port(next) != port(api)) {
            log.warn("polling {} stopped paging: the next page is at {}://{}:{}, not on nightshift.ingest.github.api-base-url ({}://{}:{});"
                    + " the token is sent nowhere else", listing, next.getScheme(), next.getHost(), port(next), api.getScheme(), api.getHost(),
                    port(api));
            return null;
        }
        return next;
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : -1;
    }
}
