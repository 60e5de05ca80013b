package dev.nightshift.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A service as deployed: its own JVM running its main class (from this JVM's class path) on the shared broker and
 * registry, with the tests' signing key in its environment. Killing it (SIGKILL) is a crash: nothing of it gets to run.
 */
public final class ServiceProcess implements AutoCloseable {

    /**
     * For every JVM a test starts (the registry, services, the packaged jar): C1 only and the serial collector, as it
     * lives minutes on cores the whole test run shares. The build gives the test JVMs themselves the same (argLine).
     */
    public static final List<String> SHORT_LIVED_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** The JVM of every service a test starts, unless its caller asks for another: a small heap, short-lived. */
    public static final List<String> TEST_JVM = Stream.concat(Stream.of("-Xmx256m"), SHORT_LIVED_JVM.stream()).toList();

    private final String name;
    private final Process process;
    private final Path log;
    /** Where this process's output starts in the log: a restarted service appends to its predecessor's. */
    private final long logStart;

    private ServiceProcess(String name, Process process, Path log, long logStart) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.logStart = logStart;
    }

    /**
     * @param mainClass the service's application class, e.g. {@code dev.nightshift.report.ReportApplication}
     * @param log       where its output goes (appended)
     * @param settings  its settings on top of the broker's and the registry's (a test's own win)
     */
    public static ServiceProcess start(String name, String mainClass, Path log, Map<String, ?> settings) throws IOException {
        return start(name, mainClass, log, settings, TEST_JVM);
    }

    /** @param jvmOptions its JVM's options, e.g. a bench's heap and the JIT and collector as deployed */
    public static ServiceProcess start(String name, String mainClass, Path log, Map<String, ?> settings, List<String> jvmOptions)
            throws IOException {
        SharedInfrastructure infra = SharedInfrastructure.get();
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("server.port", 0);
        all.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        all.put("nightshift.registry-url", infra.registryUrl());
        all.put("logging.include-application-name", false);
        all.putAll(settings); // a repeated argument would be joined, not replaced
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        all.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        Files.createDirectories(log.toAbsolutePath().getParent());
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().putAll(TestSigningKey.environment());
        Process process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new ServiceProcess(name, process, log, logStart);
    }

    /** Waits until its output has {@code line}, failing if it exits or {@code timeout} passes first. */
    public ServiceProcess awaitLogged(String line, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(line)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not log \"" + line + "\":\n" + log());
            }
            Thread.sleep(200);
        }
        return this;
    }

    /** SIGKILL: a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: a graceful stop, a kill if it takes longer than {@code wait}. */
    public void stop(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Its output so far (not its predecessors' in the same log). */
    public String log() throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            byte[] bytes = new byte[(int) Math.max(0, file.length() - logStart)];
            file.seek(logStart);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(60));
        }
    }
}
