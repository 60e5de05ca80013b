package dev.nightshift.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * dispatch-service as deployed: its own JVM ({@link ServiceProcess}) running its main class, on the test's broker
 * and registry. Killing it (SIGKILL) is a crash: nothing of it gets to run.
 */
public final class DispatchProcess implements AutoCloseable {

    public final String name;
    public final Path workspaces;
    private final ServiceProcess process;

    private DispatchProcess(String name, Path workspaces, ServiceProcess process) {
        this.name = name;
        this.workspaces = workspaces;
        this.process = process;
    }

    /**
     * @param dir      where its log and its workspaces go (workspaces/NAME, kept after each run)
     * @param settings dispatch settings on top of the ones every test dispatcher shares
     */
    public static DispatchProcess start(String name, Path dir, Path agent, Map<String, ?> settings) throws IOException {
        return start(name, dir, agent, settings, ServiceProcess.TEST_JVM);
    }

    /** @param jvmOptions its JVM's options, e.g. a bench's heap and the JIT and collector as deployed */
    public static DispatchProcess start(String name, Path dir, Path agent, Map<String, ?> settings, List<String> jvmOptions)
            throws IOException {
        Path workspaces = Files.createDirectories(dir.resolve("workspaces").resolve(name));
        workspaces.toFile().setExecutable(true, false);
        Map<String, Object> all = new LinkedHashMap<>();
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
        all.putAll(settings); // a test's own settings win
        return new DispatchProcess(name, workspaces,
                ServiceProcess.start(name, "dev.nightshift.dispatch.DispatchApplication", dir.resolve(name + ".log"), all, jvmOptions));
    }

    /** Waits until it owns task partitions and has read their ledger: it is part of the group. */
    public DispatchProcess awaitAssigned() throws IOException, InterruptedException {
        process.awaitLogged("ledger read", Duration.ofSeconds(90));
        return this;
    }

    /** SIGKILL: a crash. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    /** SIGTERM: a graceful stop. */
    public void stop() throws InterruptedException {
        process.stop(Duration.ofSeconds(60));
    }

    public boolean alive() {
        return process.alive();
    }

    public long pid() {
        return process.pid();
    }

    /** Its output since it started (a restarted instance of the same name appends to the same file). */
    public String log() throws IOException {
        return process.log();
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
        process.close();
    }
}
