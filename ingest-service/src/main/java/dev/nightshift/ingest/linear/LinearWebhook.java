package dev.nightshift.ingest.linear;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import dev.nightshift.events.LinearIssue;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.ingest.linear.LinearPayload.AgentSession;
import dev.nightshift.ingest.linear.LinearPayload.Issue;
import dev.nightshift.ingest.routing.Trigger.LinearTeam;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import dev.nightshift.ingest.webhook.Decision;
import dev.nightshift.ingest.webhook.WebhookDelivery;
import dev.nightshift.ingest.webhook.WebhookRejected;
import dev.nightshift.ingest.webhook.WebhookSource;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * {@code POST /webhooks/linear}. Starts: an issue of the worker's team created with its label or given it; an
 * agent session (the app user mentioned or delegated) created, or prompted again (a new version carrying the
 * conversation). Stops: the issue completed, cancelled or deleted, the label removed, a session's stop signal.
 * Changes made by Nightshift's own user, or by anything but a person, start nothing.
 */
@Component
public class LinearWebhook implements WebhookSource {

    static final String DELIVERY_HEADER = "Linear-Delivery";
    static final String ISSUE_VERSION = "issue";
    private static final Set<String> CLOSED_STATES = Set.of("completed", "canceled");

    private final LinearProperties linear;
    private final WorkerCatalogue catalogue;
    private final Clock clock = Clock.systemUTC();

    public LinearWebhook(LinearProperties linear, WorkerCatalogue catalogue) {
        this.linear = linear;
        this.catalogue = catalogue;
    }

    @Override
    public String name() {
        return "linear";
    }

    @Override
    public Optional<String> disabledBecause() {
        return LinearPayload.blank(linear.webhookSecret())
                ? Optional.of("nightshift.ingest.linear.webhook-secret (LINEAR_WEBHOOK_SECRET) is not set")
                : Optional.empty();
    }

    /** The signature, then the timestamp: a correctly signed delivery replayed later is refused too. */
    @Override
    public void verify(WebhookDelivery delivery) {
        if (!LinearSignature.verify(delivery.body(), delivery.header(LinearSignature.HEADER), linear.webhookSecret())) {
            throw WebhookRejected.badSignature(LinearSignature.HEADER);
        }
        Long sent = LinearPayload.timestamp(delivery.body());
        if (sent == null) {
            throw WebhookRejected.malformed("body has no webhookTimestamp (Unix milliseconds)");
        }
        Duration age = Duration.between(Instant.ofEpochMilli(sent), clock.instant()).abs();
        if (age.compareTo(linear.maxAge()) > 0) {
            throw new WebhookRejected(HttpStatus.UNAUTHORIZED, "stale", "webhookTimestamp is " + age.toSeconds()
                    + " s from now, more than " + linear.maxAge().toSeconds() + " s (nightshift.ingest.linear.max-age): refused as a replay");
        }
    }

    @Override
    public Decision decide(WebhookDelivery delivery) {
        LinearPayload payload = LinearPayload.parse(delivery.body());
        String deliveryId = deliveryId(delivery);
        return switch (payload.type()) {
            case "Issue" -> issue(payload, deliveryId);
            case "AgentSessionEvent" -> session(payload, deliveryId);
            default -> Decision.ignore("event " + payload.type() + "." + payload.action() + " neither starts nor stops a worker");
        };
    }

    private Decision issue(LinearPayload payload, String deliveryId) {
        Issue issue = payload.requireIssue();
        TaskRef task = task(issue, issue.description(), null);
        String taskKey = "linear:" + issue.identifier();
        List<Worker> team = workers(issue, t -> true);
        if (team.isEmpty()) {
            return Decision.ignore("no worker for Linear team " + firstNonNull(issue.team(true), issue.team(false)));
        }
        if (payload.action().equals("remove")) {
            return cancel(taskKey, task, "the issue was deleted in Linear", deliveryId);
        }
        if (payload.changed("stateId") && issue.state() != null && CLOSED_STATES.contains(String.valueOf(issue.state().type()))) {
            return cancel(taskKey, task, "the issue was moved to " + issue.state().name() + " in Linear", deliveryId);
        }
        List<String> before = payload.previousLabelIds();
        Optional<Worker> labelled = team.stream().filter(w -> label(w) != null && issue.label(label(w)) != null).findFirst();
        if (labelled.isEmpty()) {
            boolean removed = before != null && team.stream().anyMatch(w -> label(w) != null);
            return removed && payload.action().equals("update")
                    ? cancel(taskKey, task, "the label was removed in Linear", deliveryId)
                    : Decision.ignore("issue " + issue.identifier() + " has no worker's label");
        }
        String labelId = issue.label(label(labelled.get())).id();
        boolean added = payload.action().equals("create") || (before != null && !before.contains(labelId));
        if (!added) {
            return Decision.ignore("issue " + issue.identifier() + " was updated, but its label was there before");
        }
        if (fromNightshift(payload)) {
            return Decision.ignore("the change was made by " + actor(payload) + ", Nightshift or not a person");
        }
        // created with the label, or given it later: one request, run once
        return request(payload, taskKey, task, ISSUE_VERSION, labelled.get(), deliveryId, payload.type() + "." + payload.action());
    }

    private Decision session(LinearPayload payload, String deliveryId) {
        AgentSession session = payload.requireSession();
        Issue issue = session.issue();
        String taskKey = "linear:" + issue.identifier();
        String context = firstNonNull(payload.promptContext(), session.promptContext());
        List<Worker> workers = workers(issue, LinearTeam::agentSessions);
        TaskRef task = task(issue, context != null ? context : conversationStart(issue, session), session.id());
        if (workers.isEmpty()) {
            return Decision.ignore("no worker takes agent sessions for Linear team " + firstNonNull(issue.team(true), issue.team(false)));
        }
        return switch (payload.action()) {
            case "created" -> request(payload, taskKey, task, "session:" + session.id(), workers.getFirst(), deliveryId, "agent session created");
            case "prompted" -> {
                LinearPayload.AgentActivity activity = payload.agentActivity();
                if (activity != null && "stop".equalsIgnoreCase(activity.signal())) {
                    yield cancel(taskKey, task, "stopped in the Linear agent session", deliveryId);
                }
                String message = activity == null ? "" : activity.text();
                // the follow-up is new work; the conversation so far travels with it
                task.setDescription(task.getDescription() + (message.isEmpty() ? "" : "\n\nFollow-up:\n" + message));
                String id = activity != null && !LinearPayload.blank(activity.id()) ? activity.id() : deliveryId;
                yield request(payload, taskKey, task, "prompt:" + id, workers.getFirst(), deliveryId, "agent session prompted");
            }
            default -> Decision.ignore("agent session event " + payload.action() + " neither starts nor stops a worker");
        };
    }

    private static String conversationStart(Issue issue, AgentSession session) {
        String description = issue.description() == null ? "" : issue.description();
        return session.comment() == null || session.comment().body() == null ? description
                : description + (description.isEmpty() ? "" : "\n\n") + "Comment:\n" + session.comment().body();
    }

    private List<Worker> workers(Issue issue, Predicate<LinearTeam> also) {
        return catalogue.workers().stream()
                .filter(w -> w.trigger() instanceof LinearTeam t && t.matches(issue.team(false), issue.team(true)) && also.test(t))
                .toList();
    }

    private static String label(Worker worker) {
        return ((LinearTeam) worker.trigger()).label();
    }

    private Decision request(LinearPayload payload, String taskKey, TaskRef task, String version, Worker worker, String deliveryId, String what) {
        return Decision.request(name(), deliveryId, taskKey, task, version, worker, what, payload.actor() == null ? null : payload.actor().id());
    }

    private Decision cancel(String taskKey, TaskRef task, String reason, String deliveryId) {
        return Decision.cancel(name(), deliveryId, taskKey, task, reason);
    }

    /** The loop guard: only a person's change starts work, and never one made as Nightshift's own user. */
    private boolean fromNightshift(LinearPayload payload) {
        LinearPayload.Actor actor = payload.actor();
        return actor == null || !"user".equalsIgnoreCase(actor.type()) || linear.ownUserIds().contains(actor.id());
    }

    private static String actor(LinearPayload payload) {
        return payload.actor() == null ? "an unnamed actor" : firstNonNull(payload.actor().name(), payload.actor().id());
    }

    static TaskRef task(Issue issue, String description, String sessionId) {
        return TaskRef.newBuilder()
                .setSource(Source.LINEAR)
                .setSourceId(issue.identifier())
                .setTitle(issue.title())
                .setDescription(description == null ? "" : description)
                .setUrl(issue.url())
                .setLabels(issue.labels() == null ? List.of() : issue.labels().stream().filter(l -> l != null && l.name() != null)
                        .map(LinearPayload.Label::name).toList())
                .setReference(LinearIssue.newBuilder().setId(issue.id()).setIdentifier(issue.identifier())
                        .setTeamId(issue.team(false)).setAgentSessionId(sessionId).build())
                .build();
    }

    /** Linear repeats the delivery id on a retry; without one, the body itself (identical on a retry) stands in. */
    private static String deliveryId(WebhookDelivery delivery) {
        String header = delivery.header(DELIVERY_HEADER);
        if (header != null && !header.isBlank()) {
            return header;
        }
        try {
            return "body-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(delivery.body()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable in this JVM", e);
        }
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }
}
