package dev.nightshift.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The real Apicurio Registry (a Quarkus app unpacked by the build) as a child process on 127.0.0.1 (HTTP and
 * management alike), with only the environment Java needs (not this process's, which holds every secret),
 * with BACKWARD compatibility as its global rule. With a data directory its schemas survive a
 * restart (H2 file storage), which the queued records' schema ids depend on; without, it keeps
 * them in memory (tests).
 */
public final class RegistryProcess implements AutoCloseable {

    private static final List<String> INHERITED = List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
            "TMPDIR", "JAVA_HOME");

    private final Process process;
    private final int port;

    private RegistryProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * @param home     the unpacked registry (the directory holding quarkus-run.jar)
     * @param dataDir  where its database lives, or null for in-memory
     * @param log      where its output goes
     */
    public static RegistryProcess start(Path home, Path dataDir, int port, int managementPort, Path log) throws IOException {
        return start(List.of(), List.of(), home, dataDir, port, managementPort, log);
    }

    /** As {@link #start}, with these options for its JVM (a test run's, for one). */
    public static RegistryProcess start(Path home, Path dataDir, int port, int managementPort, Path log, List<String> jvmOptions)
            throws IOException {
        return start(List.of(), jvmOptions, home, dataDir, port, managementPort, log);
    }

    /**
     * As {@link #start}, in a session of its own ({@code setsid}, the path given): a Ctrl-C at the terminal reaches the
     * standalone alone, which stops the registry in its turn, after the runs that dispatch waits for have ended and been reported.
     */
    public static RegistryProcess startApartFromTheTerminal(Path setsid, Path home, Path dataDir, int port, int managementPort, Path log)
            throws IOException {
        return start(List.of(setsid.toString()), List.of(), home, dataDir, port, managementPort, log);
    }

    private static RegistryProcess start(List<String> launcher, List<String> jvmOptions, Path home, Path dataDir, int port, int managementPort, Path log)
            throws IOException {
        Path jar = home.toAbsolutePath().resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Apicurio Registry not found at " + jar
                    + ": build first (./mvnw -pl standalone -am package unpacks it), or set nightshift.registry-home");
        }
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-Xmx384m",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + managementPort,
                "-Dapicurio.rules.global.compatibility=BACKWARD"));
        if (dataDir != null) {
            Files.createDirectories(dataDir);
            cmd.add("-Dapicurio.datasource.url=jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("registry"));
        }
        cmd.addAll(List.of("-jar", jar.toString()));
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(home.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment(System.getenv()));
        Process process = builder
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        RegistryProcess registry = new RegistryProcess(process, port);
        registry.awaitReady(Duration.ofSeconds(90), log);
        return registry;
    }

    /** What Java and the registry need of this process's environment: none of its secrets. */
    public static Map<String, String> environment(Map<String, String> parent) {
        Map<String, String> env = new TreeMap<>();
        for (String name : INHERITED) {
            String value = parent.get(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        return env;
    }

    /** For the services' {@code apicurio.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/registry/v3";
    }

    /** The Confluent-compatible API. */
    public String ccompatUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    private void awaitReady(Duration timeout, Path log) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Apicurio Registry exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/system/info")).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the registry", e);
            }
            sleep(250);
        }
        close();
        throw new IllegalStateException("Apicurio Registry did not answer within " + timeout + "; see " + log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
