package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.nightshift.testkit.SharedInfrastructure;
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
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("standalone-.*-exec\\.jar")).findFirst().orElseThrow();
        }
        int kafka = freeRange(2);
        int registry = freeRange(2);
        int ingest = freeRange(3);
        Path output = data.resolve("output.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.put("NIGHTSHIFT_DATA", data.resolve("nightshift-data").toString());
        env.put("NIGHTSHIFT_REGISTRY_HOME", SharedInfrastructure.registryHome().toString());
        env.put("NIGHTSHIFT_WORKERS_FILE", "../examples/workers.yml");
        env.put("KAFKA_PORT", String.valueOf(kafka));
        env.put("REGISTRY_PORT", String.valueOf(registry));
        env.put("INGEST_PORT", String.valueOf(ingest));
        env.put("TODOIST_CLIENT_SECRET", "it-secret");
        env.remove("TODOIST_API_TOKEN");
        // the services refuse to start without a signing key (until the standalone generates one of its own)
        env.putAll(TestSigningKey.environment());
        Process nightshift = builder.start();
        try {
            await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(500))
                    .until(() -> log(output).contains("Nightshift is running") || !nightshift.isAlive());
            assertThat(nightshift.isAlive()).as(log(output)).isTrue();

            HttpResponse<String> r = TodoistWebhooks.send("http://127.0.0.1:" + ingest + "/webhooks/todoist",
                    TodoistWebhooks.itemAdded("it-task-1", "Nightshift", "Write a short post"), "it-secret", "it-delivery-1");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"result\":\"published\"");
            await().atMost(Duration.ofSeconds(30)).until(() -> log(output).contains("finished:"));
        } finally {
            nightshift.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook stops everything in order
            assertThat(nightshift.waitFor(90, TimeUnit.SECONDS)).as("stopped within 90 s").isTrue();
        }
        assertThat(log(output)).contains("Stopped.");
        assertThat(data.resolve("nightshift-data/kafka/meta.properties")).exists();
        assertThat(data.resolve("nightshift-data/registry")).isNotEmptyDirectory();
    }

    private static String log(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output) : "";
    }

    /**
     * The first of {@code n} consecutive free ports (the services use base, base+1, ...), below the kernel's
     * ephemeral range: a port from that range can be taken by any outgoing connection (the jar's own Kafka
     * clients) in the seconds between this check and the jar binding it.
     */
    static int freeRange(int n) throws IOException {
        // readAllLines, not readString: a /proc file reports size 0 and readString stops short
        int ephemeralStart = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().strip().split("\\s+")[0]);
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 10_000 + random.nextInt(Math.max(1, ephemeralStart - 10_000 - n));
            boolean free = true;
            for (int i = 0; i < n && free; i++) {
                try (ServerSocket s = new ServerSocket(base + i, 50, InetAddress.getLoopbackAddress())) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no range of " + n + " free ports found below the ephemeral range");
    }
}
