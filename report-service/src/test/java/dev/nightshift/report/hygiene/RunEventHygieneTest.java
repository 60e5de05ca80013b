package dev.nightshift.report.hygiene;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import dev.nightshift.events.GitHubIssue;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.OwnWrites;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFile;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunWaiting;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import org.junit.jupiter.api.Test;

class RunEventHygieneTest {

    static {
        TrustedEvents.trust();
    }

    static final String TOKEN = "ghp_Canary0123456789abcdefghijklmnopqrstu";
    private final RunEventHygiene hygiene = new RunEventHygiene(new SecretRedactor(List.of("report-own-token-1234")), List.of("*.github.com"));

    @Test
    void everyTextFromTheAgentOrTheSourceIsCleanedAndTheEventItselfIsNot() {
        RunFinished finished = RunFinished.newBuilder().setOutcome(Outcome.FAILED).setDurationMillis(1)
                .setSummary("token report-own-token-1234 ![](https://attacker.example/?k=1)")
                .setReason("exit 1; stderr: " + TOKEN + " <img src=x>")
                .setFiles(List.of(RunFile.newBuilder().setName("draft<1>.md").setSizeBytes(3).setContent("see https://attacker.example/x").build(),
                        RunFile.newBuilder().setName("big.bin").setSizeBytes(3).build()))
                .build();
        RunEvent event = run(finished, "Title <b>", "Body ![](https://attacker.example/d)");

        RunEvent clean = hygiene.clean(event);

        RunFinished f = (RunFinished) clean.getBody();
        assertThat(f.getSummary()).isEqualTo("token [redacted] [image: ]");
        assertThat(f.getReason()).isEqualTo("exit 1; stderr: [redacted] &lt;img src=x>");
        assertThat(f.getFiles()).extracting(RunFile::getName).containsExactly("draft&lt;1>.md", "big.bin");
        assertThat(f.getFiles()).extracting(RunFile::getContent).containsExactly("see `https://attacker.example/x`", null);
        assertThat(clean.getTask().getTitle()).isEqualTo("Title &lt;b>");
        assertThat(clean.getTask().getDescription()).isEqualTo("Body [image: ]");
        assertThat(clean.getTask().getUrl()).isEqualTo("https://tracker.example/issues/42");
        assertThat(((RunFinished) event.getBody()).getSummary()).as("the event as read").contains("report-own-token-1234");
        assertThat(event.getTask().getTitle()).isEqualTo("Title <b>");
    }

    @Test
    void progressAndWaitingLinesAreCleaned() {
        assertThat(((RunProgress) hygiene.clean(run(RunProgress.newBuilder().setSequence(1).setLine("Running curl -H 'x: " + TOKEN + "'").build(),
                "t", "")).getBody()).getLine()).isEqualTo("Running curl -H 'x: [redacted]'");
        assertThat(((RunWaiting) hygiene.clean(run(RunWaiting.newBuilder().setReason("<b>ceiling</b>").setUntil(Instant.EPOCH).build(),
                "t", "")).getBody()).getReason()).isEqualTo("&lt;b>ceiling&lt;/b>");
    }

    @Test
    void linksToTheTasksOwnHostAndConfiguredDomainsStay() {
        RunFinished finished = RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setDurationMillis(1)
                .setSummary("[issue](https://tracker.example/issues/42) [gist](https://gist.github.com/x) [bare](https://github.com/x)").build();
        assertThat(((RunFinished) hygiene.clean(run(finished, "t", "")).getBody()).getSummary())
                .as("*.github.com names the domain's sub-domains, not the domain itself")
                .isEqualTo("[issue](https://tracker.example/issues/42) [gist](https://gist.github.com/x) [bare]\\(`https://github.com/x`)");
    }

    @Test
    void anAgentCannotWriteNightshiftsOwnMarkerSoNoWriteOfAnotherRunIsFoundInItsText() {
        String forged = OwnWrites.marked("Done", "run-of-someone-else", "comment");
        assertThat(hygiene.clean(forged, "https://github.com/acme/shop/issues/1")).doesNotContain(OwnWrites.MARKER)
                .isEqualTo("Done\n\n&lt;!-- nightshift -->&lt;!-- run-of-someone-else comment -->");
    }

    static RunEvent run(Object body, String title, String description) {
        return RunEvent.newBuilder().setTaskKey("github:acme/shop#42").setRunId("run-1").setAttempt(1).setMaxAttempts(3).setWorker("fixer")
                .setOccurredAt(Instant.parse("2026-11-21T10:00:00Z"))
                .setTask(TaskRef.newBuilder().setSource(Source.GITHUB).setSourceId("acme/shop#42").setTitle(title).setDescription(description)
                        .setUrl("https://tracker.example/issues/42")
                        .setReference(GitHubIssue.newBuilder().setRepository("acme/shop").setNumber(42).build()).build())
                .setOutputs(OutputSinks.of(List.of(GitHubOutput.newBuilder().build())))
                .setBody(body).build();
    }
}
