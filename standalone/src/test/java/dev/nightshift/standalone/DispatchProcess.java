package dev.nightshift.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.nightshift.dispatch.DispatchApplication;

/**
 * dispatch-service as deployed: its own JVM running its main class, on the test's broker and registry.
 * Killing it (SIGKILL) is a crash: nothing of it gets to run.
 */
public final class DispatchProcess implements AutoCloseable {

    public final String name;
    public final Path workspaces;
    private final Process process;
    private final Path log;

    private DispatchProcess(String name, Path workspaces, Process process, Path log) {
        this.name = name;
        this.workspaces = workspaces;
        this.process = process;
        this.log = log;
    }

    /**
     * @param dir      where its log and its workspaces go (workspaces/NAME, kept after each run)
     * @param settings dispatch settings on top of the ones every test dispatcher shares
     */
    public static DispatchProcess start(String name, Path dir, Path agent, Map<String, ?> settings) throws IOException {
        SharedInfrastructure infra = SharedInfrastructure.get();
        Path workspaces = Files.createDirectories(dir.resolve("workspaces").resolve(name));
        workspaces.toFile().setExecutable(true, false);
        Path log = dir.resolve(name + ".log");
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("server.port", 0);
        all.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        all.put("nightshift.registry-url", infra.registryUrl());
        all.put("nightshift.dispatch.instance-id", name);
        all.put("nightshift.dispatch.agents.claude.binary", agent);
        all.put("nightshift.dispatch.workspaces-root", workspaces);
        all.put("nightshift.dispatch.keep-workspaces", true);
        all.put("nightshift.dispatch.kill-grace", "2s");
        all.put("nightshift.dispatch.retry-backoff", "500ms");
        all.put("nightshift.dispatch.shutdown-wait", "5s");
        all.put("nightshift.dispatch.sandbox.kind", SharedInfrastructure.sandboxKind());
        all.put("nightshift.dispatch.sandbox.network", "none");
        // the broker lives for the whole test run: its day collects every test's reservations (lost runs' included)
        all.put("nightshift.dispatch.spend.daily-ceiling-usd", 1_000_000);
        all.put("logging.include-application-name", false);
        all.putAll(settings); // a test's own settings win (a repeated argument would be joined, not replaced)
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                DispatchApplication.class.getName()));
        all.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().putAll(TestSigningKey.environment());
        Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new DispatchProcess(name, workspaces, process, log);
    }

    /** Waits until it owns task partitions and has read their ledger: it is part of the group. */
    public DispatchProcess awaitAssigned() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!log().contains("ledger read")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not join the group:\n" + log());
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

    /** SIGTERM: a graceful stop. */
    public void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The prompts of the agents this instance started (each writes one agent-started file into its workspace). */
    public List<String> agentsStarted() throws IOException {
        List<String> prompts = new ArrayList<>();
        try (var runs = Files.list(workspaces)) {
            for (Path run : runs.toList()) {
                Path marker = run.resolve("agent-started");
                if (Files.exists(marker)) {
                    prompts.add(Files.readString(marker).strip());
                }
            }
        }
        return prompts;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
