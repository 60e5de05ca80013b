package dev.nightshift.standalone;

import static dev.nightshift.standalone.StandaloneLaunch.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.Reader;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import dev.nightshift.testkit.TodoistWebhooks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged standalone as {@code ./nightshift run} starts it, attacked from outside: a well-known secret stops
 * it; its ports answer on loopback only; the secrets it generates are kept 0600, printed once and reused (the
 * environment winning); its registry child gets none of its environment's secrets; with {@code NIGHTSHIFT_BIND}
 * ingest alone opens to the network; and the example worker's task runs end to end before a clean stop.
 */
@Timeout(400)
class StandaloneBoundariesIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CANARY = "sk-ant-canary-7f3e9a1c55d04b2e";

    @Test
    void theStandaloneRefusesLocalDevSecret(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("nightshift-data");
        Path output = dir.resolve("output.log");
        ProcessBuilder builder = standalone(data, output, 0, 0, 0);
        builder.environment().put("TODOIST_CLIENT_SECRET", "local-dev-secret");
        Process nightshift = builder.start();
        assertThat(nightshift.waitFor(60, TimeUnit.SECONDS)).as("exits at once").isTrue();
        assertThat(nightshift.exitValue()).isNotZero();
        assertThat(log(output)).contains("TODOIST_CLIENT_SECRET (from the environment) is a well-known placeholder")
                .doesNotContain("Starting Kafka");
        assertThat(data.resolve("secrets.properties")).doesNotExist();
    }

    @Test
    void loopbackOnlySecretsKeptAndReusedNoSecretsForTheRegistry(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("nightshift-data");
        Path secretsFile = data.resolve("secrets.properties");
        int kafka = StandaloneLaunch.freeRange(2);
        int registry = StandaloneLaunch.freeRange(2);
        int ingest = StandaloneLaunch.freeRange(3);
        List<Integer> ports = List.of(kafka, kafka + 1, registry, registry + 1, ingest, ingest + 1, ingest + 2);

        // first run: nothing in the environment, so all four secrets are generated
        Path first = dir.resolve("first.log");
        ProcessBuilder builder = standalone(data, first, kafka, registry, ingest);
        builder.environment().put("ANTHROPIC_API_KEY", CANARY);
        Process nightshift = started(builder, first);
        Optional<InetAddress> outside = nonLoopbackAddress();
        Properties secrets = new Properties();
        try {
            assertThat(Files.getPosixFilePermissions(secretsFile)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            try (Reader r = Files.newBufferedReader(secretsFile)) {
                secrets.load(r);
            }
            assertThat(secrets.stringPropertyNames()).containsExactlyInAnyOrder("TODOIST_CLIENT_SECRET", "NIGHTSHIFT_SIGNING_KEY",
                    "NIGHTSHIFT_MANAGEMENT_TOKEN", "NIGHTSHIFT_API_TOKEN");
            assertThat(secrets.getProperty("NIGHTSHIFT_SIGNING_KEY")).matches("local:[A-Za-z0-9_-]{43}");
            assertThat(secrets.getProperty("NIGHTSHIFT_MANAGEMENT_TOKEN")).matches("[A-Za-z0-9_-]{43}");
            for (String name : secrets.stringPropertyNames()) {
                // printed once, with where it goes
                assertThat(count(log(first), secrets.getProperty(name))).as(name).isEqualTo(1);
                assertThat(log(first)).contains("Generated " + name + " (kept in " + secretsFile);
            }
            assertThat(log(first)).contains("Todoist's app console");

            // the generated secrets are the ones the services use
            assertThat(signedWebhook(ingest, secrets.getProperty("TODOIST_CLIENT_SECRET"), "boundaries-1").statusCode()).isEqualTo(200);
            assertThat(get(ingest + 2, "/actuator/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(ingest + 2, "/actuator/metrics", secrets.getProperty("NIGHTSHIFT_MANAGEMENT_TOKEN")).statusCode()).isEqualTo(200);

            // every port answers on loopback, none on the machine's other address
            for (int port : ports) {
                assertThat(reachable(InetAddress.getLoopbackAddress(), port)).as("127.0.0.1:" + port).isTrue();
                if (outside.isPresent()) {
                    assertThat(reachable(outside.get(), port)).as(outside.get().getHostAddress() + ":" + port).isFalse();
                }
            }

            // the registry child: the canary is in the standalone's environment and not in the child's
            assertThat(environ(nightshift.toHandle())).contains(CANARY);
            ProcessHandle child = nightshift.toHandle().children()
                    .filter(c -> cmdline(c).contains("quarkus-run.jar")).findFirst().orElseThrow(() -> new AssertionError("no registry child"));
            String childEnvironment = environ(child);
            assertThat(childEnvironment).contains("PATH=").doesNotContain(CANARY).doesNotContain("ANTHROPIC_API_KEY");
            for (String name : secrets.stringPropertyNames()) {
                assertThat(childEnvironment).doesNotContain(secrets.getProperty(name));
            }
            if (outside.isEmpty()) {
                fail("no non-loopback address on this machine: the ports' reachability from outside was not checked");
            }
        } finally {
            StandaloneLaunch.stop(nightshift);
        }

        // second run, as `NIGHTSHIFT_BIND=0.0.0.0 ./nightshift run` starts it: the file's secrets are reused, none
        // printed; TODOIST_CLIENT_SECRET from the environment wins; ingest alone answers on the machine's other
        // address; the example worker's task is taken end to end, and Ctrl-C stops it cleanly, keeping its data
        String fileBefore = Files.readString(secretsFile);
        Path second = dir.resolve("second.log");
        ProcessBuilder again = standalone(data, second, kafka, registry, ingest);
        again.environment().put("TODOIST_CLIENT_SECRET", "from-the-environment-9d1c");
        again.environment().put("NIGHTSHIFT_BIND", "0.0.0.0");
        nightshift = started(again, second);
        try {
            assertThat(log(second)).doesNotContain("Generated ");
            for (String name : secrets.stringPropertyNames()) {
                assertThat(log(second)).doesNotContain(secrets.getProperty(name));
            }
            assertThat(Files.readString(secretsFile)).isEqualTo(fileBefore);
            assertThat(signedWebhook(ingest, "from-the-environment-9d1c", "boundaries-2").statusCode()).isEqualTo(200);
            assertThat(signedWebhook(ingest, secrets.getProperty("TODOIST_CLIENT_SECRET"), "boundaries-3").statusCode()).isEqualTo(401);
            assertThat(get(ingest + 2, "/actuator/metrics", secrets.getProperty("NIGHTSHIFT_MANAGEMENT_TOKEN")).statusCode()).isEqualTo(200);

            if (outside.isPresent()) {
                assertThat(reachable(outside.get(), ingest)).as("ingest on " + outside.get()).isTrue();
                for (int port : List.of(kafka, kafka + 1, registry, registry + 1, ingest + 1, ingest + 2)) {
                    assertThat(reachable(outside.get(), port)).as(outside.get().getHostAddress() + ":" + port).isFalse();
                    assertThat(reachable(InetAddress.getLoopbackAddress(), port)).as("127.0.0.1:" + port).isTrue();
                }
            }

            HttpResponse<String> r = TodoistWebhooks.send("http://127.0.0.1:" + ingest + "/webhooks/todoist",
                    TodoistWebhooks.itemAdded("boundaries-task", "Nightshift", "Write a short post"), "from-the-environment-9d1c",
                    "boundaries-task");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"result\":\"published\"");
            await().atMost(Duration.ofSeconds(30)).until(() -> log(second).contains("finished:"));
        } finally {
            StandaloneLaunch.stop(nightshift);
        }
        assertThat(log(second)).contains("Stopped.");
        assertThat(data.resolve("kafka/meta.properties")).exists();
        assertThat(data.resolve("registry")).isNotEmptyDirectory();
    }

    private static ProcessBuilder standalone(Path data, Path output, int kafka, int registry, int ingest) throws IOException {
        ProcessBuilder builder = StandaloneLaunch.builder(StandaloneLaunch.jar(), output, data, "../examples/workers.yml",
                new StandaloneLaunch.Ports(kafka, registry, ingest));
        Map<String, String> env = builder.environment();
        for (String secret : new String[] {"TODOIST_CLIENT_SECRET", "NIGHTSHIFT_SIGNING_KEY", "NIGHTSHIFT_MANAGEMENT_TOKEN", "NIGHTSHIFT_API_TOKEN",
                "TODOIST_API_TOKEN", "NIGHTSHIFT_BIND",
                // the example worker's run must never reach a real model API
                "ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "OPENAI_API_KEY", "CODEX_API_KEY"}) {
            env.remove(secret);
        }
        return builder;
    }

    private static Process started(ProcessBuilder builder, Path output) throws IOException {
        return StandaloneLaunch.awaitRunning(builder.start(), output, Duration.ofSeconds(150));
    }

    /** An address of this machine that is not loopback (an IPv4 one first), if it has one. */
    private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
        return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .sorted((a, b) -> Boolean.compare(!(a instanceof Inet4Address), !(b instanceof Inet4Address)))
                .findFirst();
    }

    private static boolean reachable(InetAddress address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static HttpResponse<String> signedWebhook(int ingest, String secret, String id) throws Exception {
        return TodoistWebhooks.send("http://127.0.0.1:" + ingest + "/webhooks/todoist",
                TodoistWebhooks.itemAdded(id, "no-worker-project", "Nothing to do"), secret, id);
    }

    private static HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String environ(ProcessHandle process) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "environ")), StandardCharsets.UTF_8).replace('\0', '\n');
    }

    private static String cmdline(ProcessHandle process) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline")), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
