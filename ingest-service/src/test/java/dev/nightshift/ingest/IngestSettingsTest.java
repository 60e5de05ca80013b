package dev.nightshift.ingest;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wrong setting stops ingest at start-up, and the failure names the setting or the input at fault. */
class IngestSettingsTest {

    @TempDir
    Path dir;

    @Test
    void aMissingClientSecretIsNamed() throws Exception {
        Path workers = Files.writeString(dir.resolve("workers.yml"), VALID);
        assertThatThrownBy(() -> start("--nightshift.ingest.workers-file=" + workers, "--nightshift.ingest.todoist.client-secret="))
                .hasStackTraceContaining("worker writer is started by todoist, whose webhook is off "
                        + "(nightshift.ingest.todoist.client-secret (TODOIST_CLIENT_SECRET) is not set) and which is not polled "
                        + "(nightshift.ingest.todoist.poll-interval)");
    }

    @Test
    void pollingWithoutATokenIsNamed() throws Exception {
        Path workers = Files.writeString(dir.resolve("workers.yml"), VALID);
        assertThatThrownBy(() -> start("--nightshift.ingest.workers-file=" + workers, "--nightshift.ingest.todoist.client-secret=s",
                "--nightshift.ingest.todoist.poll-interval=1m", "--nightshift.ingest.todoist.api-token="))
                .hasStackTraceContaining("polling todoist is on (nightshift.ingest.todoist.poll-interval) but cannot work: "
                        + "nightshift.ingest.todoist.api-token (TODOIST_API_TOKEN) is not set");
    }

    @Test
    void aBadCatalogueIsNamedWithTheWorkerAndField() throws Exception {
        Path workers = Files.writeString(dir.resolve("workers.yml"), VALID.replace("wall-time: 10m", "wall-time: later"));
        assertThatThrownBy(() -> start("--nightshift.ingest.workers-file=" + workers, "--nightshift.ingest.todoist.client-secret=s"))
                .hasStackTraceContaining(workers + ": workers[0] (writer): budget.wall-time 'later' is not a duration");
    }

    @Test
    void withoutASigningKeyIngestDoesNotStartAndNamesIt() throws Exception {
        Path workers = Files.writeString(dir.resolve("workers.yml"), VALID);
        assertThatThrownBy(() -> start("--nightshift.ingest.workers-file=" + workers, "--nightshift.ingest.todoist.client-secret=s",
                "--nightshift.signing.key="))
                .hasStackTraceContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) is not set");
        assertThatThrownBy(() -> start("--nightshift.ingest.workers-file=" + workers, "--nightshift.ingest.todoist.client-secret=s",
                "--nightshift.signing.key=dev:local-dev-secret"))
                .hasStackTraceContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) (key id dev) holds a well-known placeholder secret");
    }

    private static void start(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--server.port=0");
        all.add("--spring.kafka.bootstrap-servers=127.0.0.1:1");
        if (all.stream().noneMatch(a -> a.startsWith("--nightshift.signing.key="))) {
            all.add("--nightshift.signing.key=test:" + "k".repeat(32));
        }
        IngestApplication.builder().registerShutdownHook(false).run(all.toArray(String[]::new)).close();
    }

    private static final String VALID = """
            workers:
              - name: writer
                trigger: {todoist: {project: Writing}}
                goal: "{{title}}"
                agent: {adapter: claude}
                budget: {wall-time: 10m}
                outputs: {todoist: {done-label: agent-done}}
            """;
}
