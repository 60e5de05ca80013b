package dev.nightshift.standalone;

import static dev.nightshift.standalone.RunningNightshift.GITHUB_SECRET;
import static dev.nightshift.standalone.RunningNightshift.REPOSITORY;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs per hour per author, through a real ingest replica of its own (its counts are its own) on the real broker:
 * an author past the cap starts nothing more, and another author is not held up.
 */
@Timeout(120)
class GitHubRunCapTest {

    private static RunningNightshift nightshift;
    private static ConfigurableApplicationContext ingest;

    @BeforeAll
    static void start() {
        nightshift = RunningNightshift.get();
        ingest = nightshift.startIngestReplica(Map.of("nightshift.ingest.limits.runs-per-author-per-hour", 2));
    }

    @AfterAll
    static void stop() {
        ingest.close();
    }

    @Test
    void pastTheAuthorsCapARequestIsNoRunAndAnotherAuthorIsUnaffected() throws Exception {
        String author = "prolific-" + ThreadLocalRandom.current().nextInt(1_000_000);
        int[] issues = {newNumber(), newNumber(), newNumber(), newNumber()};

        assertThat(label(issues[0], author).body()).contains("\"result\":\"published\"");
        assertThat(label(issues[1], author).body()).contains("\"result\":\"published\"");
        HttpResponse<String> third = label(issues[2], author);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(third.body()).contains("\"result\":\"ignored\"")
                .contains(author + " has started 2 runs of worker fixer in the last hour (nightshift.ingest.limits.runs-per-author-per-hour)");
        assertThat(label(issues[3], author).body()).contains("\"result\":\"ignored\"");
        assertThat(label(issues[2], author).body()).as("the same request again is still not a run").contains("\"result\":\"ignored\"");

        int other = newNumber();
        assertThat(label(other, "bystander-" + author).body()).as("another author").contains("\"result\":\"published\"");

        assertThat(requests(issues[0])).hasSize(1);
        assertThat(requests(issues[1])).hasSize(1);
        assertThat(requests(issues[2])).as("no run requested past the cap").isEmpty();
        assertThat(requests(issues[3])).isEmpty();
        assertThat(requests(other)).hasSize(1);
        MeterRegistry meters = ingest.getBean(MeterRegistry.class);
        assertThat(meters.counter("nightshift.ingest.capped", "source", "github", "scope", "author").count()).isEqualTo(3.0);
    }

    /** The author opens an issue of their own, with the label: they are its author and the sender. */
    private static HttpResponse<String> label(int number, String login) throws Exception {
        String issue = GitHubWebhooks.issue(REPOSITORY, number, "Issue " + number, "Steps.", List.of("agent"), List.of(), false, login, "MEMBER");
        return GitHubWebhooks.send(RunningNightshift.webhookUrl(ingest, "github"), "issues",
                GitHubWebhooks.issues("opened", issue, REPOSITORY, "", login, "User"), GITHUB_SECRET, GitHubWebhooks.newDeliveryId());
    }

    private static List<TaskRequested> requests(int number) {
        return TopicReader.valuesFor(Topics.TASKS, "github:" + REPOSITORY + "#" + number).stream().map(TaskEvent.class::cast)
                .filter(e -> e.getBody() instanceof TaskRequested).map(e -> (TaskRequested) e.getBody()).toList();
    }

    private static int newNumber() {
        return ThreadLocalRandom.current().nextInt(100_000, 1_000_000_000);
    }
}
