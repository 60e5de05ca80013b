package dev.nightshift.ingest.github;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;

import dev.nightshift.ingest.github.WhoMayStart.Asker;
import dev.nightshift.ingest.routing.Worker;
import dev.nightshift.ingest.routing.WorkerCatalogue;
import org.junit.jupiter.api.Test;

class WhoMayStartTest {

    private static final GitHubProperties SERVICE = new GitHubProperties("who-may-start-test-secret", List.of("OWNER", "MEMBER", "COLLABORATOR"), List.of(),
            URI.create("https://api.github.com"), null, null);

    private static Worker worker(String extra) {
        return WorkerCatalogue.parse("""
                workers:
                  - name: reviewer
                    trigger:
                      github:
                        repository: acme/api
                        pull-requests: true
                %s
                    goal: Review {{url}}
                    agent: {adapter: claude}
                    budget: {wall-time: 5m}
                    outputs: [{github: {}}]
                """.formatted(extra)).workers().getFirst();
    }

    @Test
    void theServiceSetIsTheDefault() {
        WhoMayStart who = new WhoMayStart(SERVICE);
        Worker w = worker("");

        assertThat(who.refusal(w, new Asker("MEMBER", "bob", "bob"))).isEmpty();
        assertThat(who.refusal(w, new Asker("collaborator", "carol", "carol"))).as("GitHub's case is not relied on").isEmpty();
        assertThat(who.refusal(w, new Asker("NONE", "mallory", "mallory"))).hasValueSatisfying(why -> assertThat(why)
                .contains("mallory's association NONE may not start worker reviewer")
                .contains("nightshift.ingest.github.allowed-associations [OWNER, MEMBER, COLLABORATOR]")
                .contains("allowed-logins"));
        assertThat(who.refusal(w, new Asker("CONTRIBUTOR", "dave", "dave"))).as("a merged contributor is still an outsider").isPresent();
        assertThat(who.refusal(w, new Asker(null, null, null))).as("no association is NONE")
                .hasValueSatisfying(why -> assertThat(why).contains("association NONE"));
    }

    @Test
    void aWorkersOwnSetReplacesTheServiceSet() {
        WhoMayStart who = new WhoMayStart(SERVICE);
        Worker w = worker("        allowed-associations: [OWNER]");

        assertThat(who.refusal(w, new Asker("OWNER", "alice", "alice"))).isEmpty();
        assertThat(who.refusal(w, new Asker("MEMBER", "bob", "bob"))).hasValueSatisfying(why -> assertThat(why)
                .contains("worker reviewer's trigger.github.allowed-associations [OWNER]"));
        assertThat(who.refusal(worker("        allowed-associations: []"), new Asker("OWNER", "alice", "alice")))
                .as("an empty set leaves only the listed logins").isPresent();
    }

    /** The association is the item's author's; a listed login passes as the author or as the sender (who labelled it). */
    @Test
    void aListedLoginStartsWorkWhateverItsAssociation() {
        WhoMayStart who = new WhoMayStart(SERVICE);
        Worker w = worker("        allowed-logins: [Renovate-Helper, maintainer]");

        assertThat(who.refusal(w, new Asker("NONE", "renovate-helper", "renovate-helper"))).isEmpty();
        assertThat(who.refusal(w, new Asker("NONE", "outsider", "maintainer"))).as("labelled by a listed login").isEmpty();
        assertThat(who.refusal(w, new Asker("NONE", "outsider", "triager"))).as("labelled by an unlisted login")
                .hasValueSatisfying(why -> assertThat(why).contains("outsider, triager is not in its trigger.github.allowed-logins"));
    }

    @Test
    void theAskersLoginIsWhoActed() {
        assertThat(new Asker("NONE", "outsider", "maintainer").login()).isEqualTo("maintainer");
        assertThat(new Asker("MEMBER", "bob", null).login()).as("a listing has no sender").isEqualTo("bob");
    }
}
