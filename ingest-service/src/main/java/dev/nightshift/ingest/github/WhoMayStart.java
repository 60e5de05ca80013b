package dev.nightshift.ingest.github;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nightshift.ingest.routing.Trigger.GitHubRepository;
import dev.nightshift.ingest.routing.Worker;

/**
 * Who may start a GitHub worker: the author of what the run works on (the issue, the pull request, the comment)
 * with an {@code author_association} in the worker's allowed set, or a login the worker lists. A payload's sender
 * carries no association, so the association checked is always the item's or the comment's own: an outsider's
 * issue labelled by a maintainer is refused unless the maintainer (the sender) is a listed login, since the
 * outsider's text is what the agent would work on.
 */
record WhoMayStart(GitHubProperties github) {

    /** The person asking, as the payload tells: whose association is checked, and the logins that may be listed. */
    record Asker(String association, String author, String sender) {
        /** The login that counts against the per-author cap: who did what starts the run. */
        String login() {
            return sender != null ? sender : author;
        }
    }

    /** Why this asker may not start the worker, or empty when they may. */
    Optional<String> refusal(Worker worker, Asker asker) {
        GitHubRepository trigger = (GitHubRepository) worker.trigger();
        List<String> associations = trigger.allowedAssociations() != null ? trigger.allowedAssociations() : github.allowedAssociations();
        String association = asker.association() == null ? "NONE" : asker.association();
        if (associations.stream().anyMatch(association::equalsIgnoreCase)) {
            return Optional.empty();
        }
        List<String> logins = Stream.of(asker.author(), asker.sender()).filter(Objects::nonNull).distinct().toList();
        if (logins.stream().anyMatch(l -> trigger.allowedLogins().stream().anyMatch(l::equalsIgnoreCase))) {
            return Optional.empty();
        }
        String setting = trigger.allowedAssociations() != null
                ? "worker " + worker.name() + "'s trigger.github.allowed-associations " + associations
                : "nightshift.ingest.github.allowed-associations " + associations;
        return Optional.of("the author" + (asker.author() == null ? "" : " " + asker.author()) + "'s association " + association
                + " may not start worker " + worker.name() + " (" + setting + "), and " + (logins.isEmpty() ? "no login" : String.join(", ", logins))
                + " is not in its trigger.github.allowed-logins");
    }
}
