package dev.nightshift.standalone;

import static dev.nightshift.standalone.StandaloneLaunch.awaitRunning;
import static dev.nightshift.standalone.StandaloneLaunch.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.nightshift.standalone.StandaloneLaunch.Ports;
import dev.nightshift.testkit.TestSigningKey;
import dev.nightshift.testkit.TodoistWebhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged standalone jar that {@code ./nightshift run} starts: it comes up on its own broker and
 * registry, accepts a signed webhook for the example worker, and stops cleanly on SIGTERM (Ctrl-C).
 */
@Timeout(300)
class StandaloneCommandIT {

    @Test
    void startsAcceptsASignedWebhookAndStopsCleanly(@TempDir Path data) throws Exception {
        Ports ports = Ports.free();
        Path output = data.resolve("output.log");
        ProcessBuilder builder = StandaloneLaunch.builder(StandaloneLaunch.jar(), output, data.resolve("nightshift-data"),
                "../examples/workers.yml", ports);
        Map<String, String> env = builder.environment();
        env.put("TODOIST_CLIENT_SECRET", "it-secret");
        env.remove("TODOIST_API_TOKEN");
        // the services refuse to start without a signing key (until the standalone generates one of its own)
        env.putAll(TestSigningKey.environment());
        Process nightshift = builder.start();
        try {
            awaitRunning(nightshift, output, Duration.ofSeconds(150));

            HttpResponse<String> r = TodoistWebhooks.send("http://127.0.0.1:" + ports.ingest() + "/webhooks/todoist",
                    TodoistWebhooks.itemAdded("it-task-1", "Nightshift", "Write a short post"), "it-secret", "it-delivery-1");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"result\":\"published\"");
            await().atMost(Duration.ofSeconds(30)).until(() -> log(output).contains("finished:"));
        } finally {
            StandaloneLaunch.stop(nightshift);
        }
        assertThat(log(output)).contains("Stopped.");
        assertThat(data.resolve("nightshift-data/kafka/meta.properties")).exists();
        assertThat(data.resolve("nightshift-data/registry")).isNotEmptyDirectory();
    }
}
