package dev.nightshift.ingest.github;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubPush;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.github.GitHubPayload.Comment;
import dev.nightshift.ingest.github.GitHubPayload.Issue;
import dev.nightshift.ingest.github.GitHubPayload.PullRequest;
import dev.nightshift.ingest.routing.Output;
import dev.nightshift.ingest.routing.Trigger.GitHubRepository;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.Decision;
import dev.nightshift.ingest.webhook.WebhookDelivery;
import dev.nightshift.ingest.webhook.WebhookRejected;
import dev.nightshift.ingest.webhook.WebhookSource;
import org.springframework.stereotype.Component;

/**
 * {@code POST /webhooks/github}. Starts: an issue opened with or given the worker's label, or assigned to its
 * login; a comment mentioning its handle by an allowed author; a pull request opened or given new commits; a
 * push to its branch. Stops: the issue or pull request closed or deleted, the label removed, the assignee
 * removed. Runs again: the done label removed, or {@code /nightshift retry} commented by an allowed author.
 * Nothing Nightshift or a bot did starts work.
 */
@Component
public class GitHubWebhook implements WebhookSource {

    static final String EVENT_HEADER = "X-GitHub-Event";
    static final String DELIVERY_HEADER = "X-GitHub-Delivery";
    /** Every request for an issue's trigger (opened with the label, labeled, assigned) is one version: it runs once. */
    static final String ISSUE_VERSION = "issue";
    private static final Pattern RETRY = Pattern.compile("(?m)^\\s*/nightshift\\s+retry\\b");
    private static final String NO_SHA = "0000000000000000000000000000000000000000";

    private final GitHubProperties github;
    private final WorkerCatalogue catalogue;
    private final WhoMayStart whoMayStart;

    public GitHubWebhook(GitHubProperties github, WorkerCatalogue catalogue) {
        this.github = github;
        this.catalogue = catalogue;
        this.whoMayStart = new WhoMayStart(github);
    }

    @Override
    public String name() {
        return "github";
    }

    @Override
    public Optional<String> disabledBecause() {
        return GitHubPayload.blank(github.webhookSecret())
                ? Optional.of("nightshift.ingest.github.webhook-secret (GITHUB_WEBHOOK_SECRET) is not set")
                : Optional.empty();
    }

    @Override
    public void verify(WebhookDelivery delivery) {
        if (!GitHubSignature.verify(delivery.body(), delivery.header(GitHubSignature.HEADER), github.webhookSecret())) {
            throw WebhookRejected.badSignature(GitHubSignature.HEADER);
        }
    }

    @Override
    public Decision decide(WebhookDelivery delivery) {
        String event = required(delivery, EVENT_HEADER);
        String deliveryId = required(delivery, DELIVERY_HEADER);
        if (event.equals("ping")) {
            return Decision.ignore("ping: the webhook reaches Nightshift");
        }
        GitHubPayload payload = GitHubPayload.parse(delivery.body());
        String repository = payload.repository().fullName();
        List<Worker> workers = catalogue.workers().stream()
                .filter(w -> w.trigger() instanceof GitHubRepository t && t.repository().equalsIgnoreCase(repository)).toList();
        // each kind reads and maps its payload before routing: a malformed delivery is 400 whatever its repository
        Event e = new Event(event, deliveryId, bodyId(delivery.body()), payload, repository, workers);
        return switch (event) {
            case "issues" -> issues(e);
            case "issue_comment" -> comment(e);
            case "pull_request_review_comment" -> reviewComment(e);
            case "pull_request" -> pullRequest(e);
            case "push" -> push(e);
            default -> Decision.ignore("event " + event + " neither starts nor stops a worker");
        };
    }

    /**
     * One delivery, with the workers on its repository. {@code bodyId} (the body's SHA-256) names it in events:
     * GitHub's delivery id is an unsigned header, so a captured body sent again under a new one must not be new.
     */
    private record Event(String name, String deliveryId, String bodyId, GitHubPayload payload, String repository, List<Worker> workers) {
        Optional<Worker> first(Predicate<GitHubRepository> matches) {
            return workers.stream().filter(w -> matches.test((GitHubRepository) w.trigger())).findFirst();
        }

        String what() {
            return payload.action() == null ? name : name + "." + payload.action();
        }

        Decision unrouted() {
            return Decision.ignore("no worker for repository " + repository);
        }
    }

    private Decision issues(Event e) {
        Issue issue = e.payload().requireIssue(e.name());
        TaskRef task = issueTask(e, issue);
        if (e.workers().isEmpty()) {
            return e.unrouted();
        }
        String action = String.valueOf(e.payload().action());
        String labelName = e.payload().label() == null ? null : e.payload().label().name();
        String assignee = e.payload().assignee() == null ? null : e.payload().assignee().login();
        return switch (action) {
            case "closed", "deleted" -> cancel(e, issueKey(e, issue.number()), task, "the issue was " + action);
            case "unlabeled" -> {
                if (labelName != null && e.first(t -> labelName.equalsIgnoreCase(t.label())).isPresent()) {
                    yield cancel(e, issueKey(e, issue.number()), task, "the label " + labelName + " was removed");
                }
                // a person took the done label off: they want it done again
                Optional<Worker> rerun = labelName == null ? Optional.empty() : issueWorker(e, issue)
                        .filter(w -> w.output(Output.GitHub.class).map(o -> labelName.equalsIgnoreCase(o.doneLabel())).orElse(false));
                if (rerun.isEmpty() || fromNightshift(e)) {
                    yield Decision.ignore("removing the label " + labelName + " neither stops nor reruns a worker");
                }
                yield allowed(e, rerun.get(), issueAsker(e, issue))
                        .orElseGet(() -> request(e, rerun.get(), issueKey(e, issue.number()), task, "rerun:" + signedMoment(e, issue)));
            }
            case "unassigned" -> assignee != null && e.first(t -> assignee.equalsIgnoreCase(t.assignee())).isPresent()
                    ? cancel(e, issueKey(e, issue.number()), task, assignee + " was unassigned")
                    : Decision.ignore("unassigning " + assignee + " stops no worker");
            case "opened", "labeled", "assigned", "reopened" -> {
                Optional<Worker> worker = switch (action) {
                    case "labeled" -> labelName == null ? Optional.empty() : e.first(t -> labelName.equalsIgnoreCase(t.label()));
                    case "assigned" -> assignee == null ? Optional.empty() : e.first(t -> assignee.equalsIgnoreCase(t.assignee()));
                    default -> issueWorker(e, issue);
                };
                if (worker.isEmpty()) {
                    yield Decision.ignore(e.what() + " of " + issueKey(e, issue.number()) + " matches no worker's label or assignee");
                }
                if (fromNightshift(e)) {
                    yield Decision.ignore(e.what() + " was sent by " + e.payload().senderLogin() + ", Nightshift or a bot");
                }
                Optional<Decision> refused = allowed(e, worker.get(), issueAsker(e, issue));
                if (refused.isPresent()) {
                    yield refused.get();
                }
                // opened with the label, then labeled, then assigned: one request; reopening after a close asks anew
                String version = action.equals("reopened") ? "reopened:" + signedMoment(e, issue) : ISSUE_VERSION;
                yield request(e, worker.get(), issueKey(e, issue.number()), task, version);
            }
            default -> Decision.ignore("event " + e.what() + " neither starts nor stops a worker");
        };
    }

    /** The first worker whose label or assignee the issue has. */
    private static Optional<Worker> issueWorker(Event e, Issue issue) {
        return e.first(t -> wants(t, issue));
    }

    /** Whether the trigger's label or assignee is on the issue (the poller asks the same). */
    static boolean wants(GitHubRepository trigger, Issue issue) {
        return (trigger.label() != null && issue.hasLabel(trigger.label()))
                || (trigger.assignee() != null && issue.assignedTo(trigger.assignee()));
    }

    private Decision comment(Event e) {
        if (!"created".equals(e.payload().action())) {
            return Decision.ignore("event " + e.what() + " neither starts nor stops a worker");
        }
        Issue issue = e.payload().requireIssue(e.name());
        Comment comment = e.payload().requireComment();
        TaskRef task = issueTask(e, issue);
        if (e.workers().isEmpty()) {
            return e.unrouted();
        }
        if (fromNightshift(e) || comment.body().contains(OwnWrites.MARKER)
                || (comment.user() != null && "Bot".equals(comment.user().type()))) {
            return Decision.ignore("the comment was written by Nightshift or a bot");
        }
        boolean retry = RETRY.matcher(comment.body()).find();
        Optional<Worker> worker = retry
                ? issueWorker(e, issue).or(() -> e.first(t -> t.mention() != null))
                : e.first(t -> t.mention() != null && mentions(comment.body(), t.mention()));
        if (worker.isEmpty()) {
            return Decision.ignore(retry ? "no worker on " + e.repository() + " to retry" : "the comment mentions no worker");
        }
        Optional<Decision> refused = allowed(e, worker.get(), commentAsker(e, comment));
        if (refused.isPresent()) {
            return refused.get();
        }
        if (!retry) {
            appendComment(task, comment);
        }
        return request(e, worker.get(), issueKey(e, issue.number()), task, (retry ? "retry:" : "comment:") + comment.id());
    }

    /** A comment on a pull request's diff: a mention starts the pull request's mention worker, as a comment would. */
    private Decision reviewComment(Event e) {
        if (!"created".equals(e.payload().action())) {
            return Decision.ignore("event " + e.what() + " neither starts nor stops a worker");
        }
        PullRequest pr = e.payload().requirePullRequest();
        Comment comment = e.payload().requireComment();
        TaskRef task = pullRequestTask(e.repository(), pr);
        if (e.workers().isEmpty()) {
            return e.unrouted();
        }
        if (fromNightshift(e) || comment.body().contains(OwnWrites.MARKER)
                || (comment.user() != null && "Bot".equals(comment.user().type()))) {
            return Decision.ignore("the comment was written by Nightshift or a bot");
        }
        Optional<Worker> worker = e.first(t -> t.mention() != null && mentions(comment.body(), t.mention()));
        if (worker.isEmpty()) {
            return Decision.ignore("the review comment mentions no worker");
        }
        Optional<Decision> refused = allowed(e, worker.get(), commentAsker(e, comment));
        if (refused.isPresent()) {
            return refused.get();
        }
        appendComment(task, comment);
        return request(e, worker.get(), issueKey(e, pr.number()), task, "review-comment:" + comment.id());
    }

    /** The comment is the request: it travels with the item's text. */
    private static void appendComment(TaskRef task, Comment comment) {
        String author = comment.user() == null ? "someone" : "@" + comment.user().login();
        task.setDescription(task.getDescription() + (task.getDescription().isEmpty() ? "" : "\n\n")
                + author + " commented:\n" + comment.body());
    }

    /** A refusal when the asker may not start the worker (see {@link WhoMayStart}). */
    private Optional<Decision> allowed(Event e, Worker worker, WhoMayStart.Asker asker) {
        return whoMayStart.refusal(worker, asker).map(why -> Decision.ignore(e.what() + ": " + why));
    }

    private static WhoMayStart.Asker issueAsker(Event e, Issue issue) {
        return new WhoMayStart.Asker(issue.authorAssociation(), login(issue.user()), e.payload().senderLogin());
    }

    private static WhoMayStart.Asker commentAsker(Event e, Comment comment) {
        return new WhoMayStart.Asker(comment.authorAssociation(), login(comment.user()), e.payload().senderLogin());
    }

    static String login(GitHubPayload.User user) {
        return user == null ? null : user.login();
    }

    /**
     * When the issue changed, as the signed body says ({@code updated_at}): a version from it is the same for a
     * redelivery and for a captured body replayed under a new delivery id, and new for the next real change.
     */
    private static String signedMoment(Event e, Issue issue) {
        return GitHubPayload.blank(issue.updatedAt()) ? e.bodyId() : issue.updatedAt();
    }

    private static boolean mentions(String body, String handle) {
        return Pattern.compile("(?<![\\w-])" + Pattern.quote(handle) + "(?![\\w-])", Pattern.CASE_INSENSITIVE).matcher(body).find();
    }

    private Decision pullRequest(Event e) {
        PullRequest pr = e.payload().requirePullRequest();
        String action = String.valueOf(e.payload().action());
        TaskRef task = pullRequestTask(e.repository(), pr);
        if (e.workers().isEmpty()) {
            return e.unrouted();
        }
        Optional<Worker> worker = e.first(GitHubRepository::pullRequests);
        if (worker.isEmpty()) {
            return Decision.ignore("no worker on " + e.repository() + " takes pull requests");
        }
        return switch (action) {
            case "closed" -> cancel(e, issueKey(e, pr.number()), task, "the pull request was closed");
            case "opened", "reopened", "synchronize", "ready_for_review" -> fromNightshift(e)
                    ? Decision.ignore(e.what() + " was sent by " + e.payload().senderLogin() + ", Nightshift or a bot")
                    // the pull request's author answers for its head, whoever pushed (GitHub gives no pusher's association)
                    : allowed(e, worker.get(), new WhoMayStart.Asker(pr.authorAssociation(), login(pr.user()), e.payload().senderLogin()))
                            // one version per head commit: new commits are new work, a redelivery is not
                            .orElseGet(() -> request(e, worker.get(), issueKey(e, pr.number()), task, "head:" + pr.head().sha()));
            default -> Decision.ignore("event " + e.what() + " neither starts nor stops a worker");
        };
    }

    private Decision push(Event e) {
        GitHubPayload p = e.payload();
        String ref = p.ref() == null ? "" : p.ref();
        if (!ref.startsWith("refs/heads/")) {
            return Decision.ignore("a push to " + ref + " is not to a branch");
        }
        String branch = ref.substring("refs/heads/".length());
        if (Boolean.TRUE.equals(p.deleted()) || GitHubPayload.blank(p.after()) || NO_SHA.equals(p.after())
                || GitHubPayload.blank(p.before()) || p.commitList().isEmpty()) {
            return Decision.ignore("the push to " + branch + " brought no commits");
        }
        List<GitHubPayload.Commit> commits = p.commitList();
        String range = p.before() + ".." + p.after();
        TaskRef task = TaskRef.newBuilder()
                .setSource(Source.GITHUB)
                .setSourceId(e.repository() + "@" + branch + ":" + range)
                .setTitle(commits.size() + (commits.size() == 1 ? " commit" : " commits") + " pushed to " + branch + " of " + e.repository())
                .setDescription(commits.stream().map(c -> short7(c.id()) + " " + firstLine(c.message())).collect(Collectors.joining("\n")))
                .setUrl(p.compare())
                .setReference(GitHubPush.newBuilder().setRepository(e.repository()).setBranch(branch)
                        .setBefore(p.before()).setAfter(p.after()).setCommits(commits.size()).build())
                .build();
        if (e.workers().isEmpty()) {
            return e.unrouted();
        }
        Optional<Worker> worker = e.first(t -> branch.equals(t.pushBranch()));
        if (worker.isEmpty()) {
            return Decision.ignore("no worker on " + e.repository() + " watches branch " + branch);
        }
        if (fromNightshift(e)) {
            return Decision.ignore("the push was sent by " + p.senderLogin() + ", Nightshift or a bot");
        }
        // the branch is the task (its pushes stay in order); each range of commits is one version of it
        return request(e, worker.get(), "github:" + e.repository() + "@" + branch, task, range);
    }

    private Decision request(Event e, Worker worker, String taskKey, TaskRef task, String version) {
        // the sender did what asks for the run (opened, labelled, pushed, commented): their runs are counted
        return Decision.request(name(), e.bodyId(), taskKey, task, version, worker, e.what() + " (delivery " + e.deliveryId() + ")",
                e.payload().senderLogin());
    }

    private Decision cancel(Event e, String taskKey, TaskRef task, String reason) {
        return Decision.cancel(name(), e.bodyId(), taskKey, task, reason);
    }

    /** The loop guard: bots (Nightshift's app among them) and the logins Nightshift writes as never start work. */
    private boolean fromNightshift(Event e) {
        String login = e.payload().senderLogin();
        return e.payload().sentByBot() || (login != null && github.ownLogins().stream().anyMatch(login::equalsIgnoreCase));
    }

    private static TaskRef issueTask(Event e, Issue issue) {
        return issueTask(e.repository(), issue);
    }

    static TaskRef issueTask(String repository, Issue issue) {
        return numbered(repository, issue.number(), issue.title(), issue.body(), issue.htmlUrl(), issue.labels(),
                GitHubIssue.newBuilder().setRepository(repository).setNumber(issue.number())
                        .setPullRequest(issue.isPullRequest()).build());
    }

    static TaskRef pullRequestTask(String repository, PullRequest pr) {
        return numbered(repository, pr.number(), pr.title(), pr.body(), pr.htmlUrl(), pr.labels(),
                GitHubIssue.newBuilder().setRepository(repository).setNumber(pr.number()).setPullRequest(true).setHeadSha(pr.head().sha()).build());
    }

    /** An issue or a pull request as a task: both are numbered alike, and written back to through the issues API. */
    private static TaskRef numbered(String repository, int number, String title, String body, String url, List<GitHubPayload.Label> labels,
            GitHubIssue reference) {
        return TaskRef.newBuilder()
                .setSource(Source.GITHUB)
                .setSourceId(repository + "#" + number)
                .setTitle(title)
                .setDescription(body == null ? "" : body)
                .setUrl(url)
                .setLabels(labels == null ? List.of() : labels.stream().filter(l -> l != null && l.name() != null)
                        .map(GitHubPayload.Label::name).toList())
                .setReference(reference)
                .build();
    }

    private static String issueKey(Event e, int number) {
        return issueKey(e.repository(), number);
    }

    static String issueKey(String repository, int number) {
        return "github:" + repository + "#" + number;
    }

    private static String bodyId(byte[] body) {
        try {
            return "body-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    private static String required(WebhookDelivery delivery, String header) {
        String value = delivery.header(header);
        if (value == null || value.isBlank()) {
            throw WebhookRejected.malformed(header + " header is missing");
        }
        return value;
    }

    private static String short7(String sha) {
        return sha == null ? "" : sha.substring(0, Math.min(7, sha.length()));
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("");
    }
}
