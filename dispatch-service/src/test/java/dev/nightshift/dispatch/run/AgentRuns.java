package dev.nightshift.dispatch.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.agent.AgentAdapters;
import dev.nightshift.dispatch.agent.AgentEnvironment;
import dev.nightshift.dispatch.egress.EgressProxy;
import dev.nightshift.dispatch.gateway.GatewayConfiguration;
import dev.nightshift.dispatch.gateway.ModelGateway;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Bubblewrap;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import dev.nightshift.dispatch.sandbox.Workspace;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.SandboxSpec;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TrustedEvents;
import dev.nightshift.events.WorkerSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Dispatch's run path with its real parts and no broker: the attempt runner, the real bubblewrap sandbox,
 * egress proxy and model gateway (its credentials from the map given, not this JVM's environment, so that
 * no process here holds them but the gateway's own), as dispatch wires them. The agents are real CLIs or
 * scripts; the providers are stand-ins on loopback.
 */
public final class AgentRuns implements AutoCloseable {

    private final Path root;
    private final EgressProxy egress;
    private final ModelGateway gateway;
    private final Bubblewrap sandbox;
    private final AttemptRunner runner;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** What one run gave: its end, its progress lines. */
    public record Result(RunFinished finished, List<RunEvent> progress) {
    }

    /**
     * @param settings    nightshift.dispatch settings over the defaults (agents, gateway URLs)
     * @param credentials what the gateway reads its credentials from in place of dispatch's environment
     */
    public AgentRuns(Map<String, String> settings, Map<String, String> credentials) throws IOException {
        TrustedEvents.trust();
        this.root = Files.createTempDirectory(Path.of("/tmp"), "ns-runs-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("nightshift.dispatch.kill-grace", "1s");
        DispatchProperties properties = Sandboxes.properties(root, all);
        this.egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), meters);
        this.gateway = GatewayConfiguration.create(properties, credentials, meters);
        this.sandbox = Sandboxes.bubblewrap(properties, egress);
        this.runner = new AttemptRunner(properties, new AgentAdapters(properties), sandbox, AgentProcess.fromPath(),
                new AgentEnvironment(properties, Map.of()), gateway);
    }

    public Result run(String agent, String prompt, double maxCostUsd, Duration wallTime) {
        return run(agent, null, prompt, maxCostUsd, wallTime, null);
    }

    /** @param network none, allowlist or host; null for dispatch's default */
    public Result run(String agent, String model, String prompt, double maxCostUsd, Duration wallTime, String network) {
        String runId = "run-" + UUID.randomUUID();
        WorkerSpec.Builder worker = WorkerSpec.newBuilder().setName("gateway-test")
                .setAgent(AgentSpec.newBuilder().setAdapter(agent).setModel(model).build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(wallTime.toMillis()).setMaxCostUsd(maxCostUsd).build())
                .setOutputs(OutputSinks.of(List.of()));
        if (network != null) {
            worker.setSandbox(SandboxSpec.newBuilder().setNetwork(network).build());
        }
        TaskRequested request = TaskRequested.newBuilder().setTaskVersion("v1").setPrompt(prompt).setWorker(worker.build()).build();
        TaskEvent task = TaskEvent.newBuilder().setTaskKey("todoist:gateway-1").setEventId("e-" + runId).setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("gateway-1").setTitle("gateway").build())
                .setBody(request).build();
        List<RunEvent> progress = new CopyOnWriteArrayList<>();
        AttemptRunner.Attempt attempt = runner.run(new RunEvents(task, runId, 1, Clock.systemUTC()), request,
                CompletableFuture.completedFuture(null), new CompletableFuture<>(), progress::add);
        return new Result(attempt.finished(), List.copyOf(progress));
    }

    /** The gateway's and the egress proxy's metrics. */
    public SimpleMeterRegistry meters() {
        return meters;
    }

    @Override
    public void close() throws IOException {
        sandbox.close();
        gateway.close();
        egress.close();
        Workspace.delete(root);
    }
}
