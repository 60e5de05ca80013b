package dev.nightshift.dispatch.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.agent.AgentAdapter;
import dev.nightshift.dispatch.agent.AgentAdapters;
import dev.nightshift.dispatch.agent.AgentEnvironment;
import dev.nightshift.dispatch.agent.AgentRequest;
import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.budget.Ceiling;
import dev.nightshift.dispatch.budget.Confinements;
import dev.nightshift.dispatch.budget.PriceTable;
import dev.nightshift.dispatch.budget.SpendMeter;
import dev.nightshift.dispatch.gateway.ModelGateway;
import dev.nightshift.dispatch.gateway.Provider;
import dev.nightshift.dispatch.gateway.RunAccount;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.Executables;
import dev.nightshift.dispatch.sandbox.Launch;
import dev.nightshift.dispatch.sandbox.Sandbox;
import dev.nightshift.dispatch.sandbox.SandboxRun;
import dev.nightshift.dispatch.sandbox.Workspace;
import dev.nightshift.events.MeteredUsage;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/** One attempt of a worker's agent on a task: workspace, sandboxed process, progress out, outcome back. */
@Component
public class AttemptRunner {

    private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);

    private final DispatchProperties properties;
    private final AgentAdapters adapters;
    private final Sandbox sandbox;
    private final AgentProcess process;
    private final AgentEnvironment environment;
    private final Ceiling ceiling;
    private final Confinements confinements;
    private final PriceTable prices;
    private final ModelGateway gateway;

    public AttemptRunner(DispatchProperties properties, AgentAdapters adapters, Sandbox sandbox, AgentProcess process,
            AgentEnvironment environment, ModelGateway gateway) {
        this.properties = properties;
        this.gateway = gateway;
        this.environment = environment;
        this.adapters = adapters;
        this.sandbox = sandbox;
        this.process = process;
        this.ceiling = new Ceiling(properties.ceiling());
        this.confinements = new Confinements(properties.sandbox(), properties.ceiling());
        this.prices = new PriceTable(properties.prices());
    }

    /** How an attempt ended, and whether its agent ran at all (a run that never started is not retried). */
    public record Attempt(RunFinished finished, boolean agentRan) {
    }

    /** What one run of this worker may spend. */
    public double costBudget(WorkerSpec worker) {
        return ceiling.costBudget(worker);
    }

    /** Why this worker may not run here (dispatch's ceiling, a missing agent), or empty when it may. */
    public Optional<String> refusal(WorkerSpec worker) {
        String adapter = worker.getAgent().getAdapter();
        return ceiling.refusal(worker).or(() -> confinements.refusal(worker))
                .or(() -> agentBinary(adapter).isPresent() ? Optional.empty() : Optional.of(missingAgent(adapter)));
    }

    /**
     * Blocks until the agent's processes are gone. Run it on a thread that lives as long as the run.
     *
     * @param go       the agent starts once it completes (its sandbox is set up meanwhile), never if it fails
     * @param stop     completing it stops the agent (TERM, then KILL after the grace); the outcome is CANCELLED
     * @param progress each distinct tool-use line, as a run event
     */
    public Attempt run(RunEvents events, TaskRequested request, CompletableFuture<?> go, CompletableFuture<String> stop,
            Consumer<RunEvent> progress) {
        // this thread is the run's: its log lines name the task and the run
        try (MDC.MDCCloseable task = MDC.putCloseable("taskKey", events.taskKey()); MDC.MDCCloseable run = MDC.putCloseable("runId", events.runId())) {
            return attempt(events, request, go, stop, progress);
        }
    }

    private Attempt attempt(RunEvents events, TaskRequested request, CompletableFuture<?> go, CompletableFuture<String> stop,
            Consumer<RunEvent> progress) {
        WorkerSpec worker = request.getWorker();
        Optional<Path> binary = agentBinary(worker.getAgent().getAdapter());
        // the workspace is made while the lease is being written; nothing of the agent runs before it is
        if (binary.isEmpty()) {
            return new Attempt(RunOutcome.notRun(missingAgent(worker.getAgent().getAdapter())), false);
        }
        AgentAdapter adapter = adapters.find(worker.getAgent().getAdapter()).orElseThrow();
        ModelGateway.Door door = null;
        SandboxRun sandboxRun;
        try {
            Confinement confinement = confinements.of(worker);
            Optional<Provider> provider = adapter.modelApi().map(Provider::of);
            if (provider.isPresent()) {
                // the agent's only way to its model: it gets a door and a run token, never a key
                door = gateway.open(events.runId(), provider.get(), ceiling.costBudget(worker));
                confinement = confinement.withServices(List.of(door));
            }
            Path template = Workspace.template(properties.workdirsRoot(), worker.getAgent().getWorkdir());
            sandboxRun = sandbox.open(events.runId(), template, confinement);
        } catch (IllegalArgumentException | IOException e) {
            if (door != null) {
                door.close();
            }
            return new Attempt(RunOutcome.notRun("the sandbox could not be prepared: " + e.getMessage()), false);
        }
        try (ModelGateway.Door closing = door; sandboxRun) {
            log.info("run {} of {} started: worker {}, attempt {}", events.runId(), events.taskKey(), worker.getName(), events.attempt());
            return runAgent(events, binary.get(), adapter, request, sandboxRun, door, go, stop, progress)
                    .map(f -> new Attempt(f, true))
                    .orElseGet(() -> new Attempt(RunOutcome.notRun("the agent could not be started"), false));
        }
    }

    /**
     * Empty when the agent's process could not be started at all.
     *
     * @param door the run's model gateway door; null for an agent that calls no model through it
     */
    private Optional<RunFinished> runAgent(RunEvents events, Path binary, AgentAdapter adapter, TaskRequested request, SandboxRun sandboxRun,
            ModelGateway.Door door, CompletableFuture<?> go, CompletableFuture<String> stop, Consumer<RunEvent> progress) {
        WorkerSpec worker = request.getWorker();
        Duration wallTime = Duration.ofMillis(worker.getBudget().getWallTimeMillis());
        double budget = ceiling.costBudget(worker);
        String gatewayUrl;
        try {
            gatewayUrl = door == null ? null : sandboxRun.address(door);
        } catch (IOException e) {
            log.error("run {}: no way to the model gateway: {}", events.runId(), e.getMessage());
            return Optional.empty();
        }
        AgentRequest agentRequest = new AgentRequest(request.getPrompt(), worker.getAgent().getModel(),
                worker.getAgent().getAllowedTools(), worker.getBudget().getMaxTurns(), budget, gatewayUrl);
        Map<String, String> env = new HashMap<>(environment.of(worker.getAgent().getAdapter(), sandboxRun.home()));
        if (door != null) {
            env.putAll(adapter.gatewayEnvironment(gatewayUrl, door.token()));
        }
        List<String> command = adapter.command(binary.toString(), agentRequest);
        AgentAdapter.LineParser parser = adapter.newParser(agentRequest);
        AtomicReference<AgentSignal.Result> result = new AtomicReference<>();
        SpendMeter spend = new SpendMeter(prices);
        // the agent's own limit may come late or never (a CLI without one): dispatch stops it at the budget itself
        CompletableFuture<String> halt = new CompletableFuture<>();
        stop.thenAccept(halt::complete);
        AtomicReference<String> overBudget = new AtomicReference<>();
        // the gateway's figure is the one that counts: past the budget (or unreadable), it stops the run
        AtomicReference<String> unmetered = new AtomicReference<>();
        if (door != null) {
            door.account().stopped().thenAccept(s -> {
                if ((s.overBudget() ? overBudget : unmetered).compareAndSet(null, s.reason())) {
                    log.info("run {}: {}: stopping it", events.runId(), s.reason());
                }
                halt.complete(s.overBudget() ? "over budget" : "unmetered");
            });
        }
        Set<String> posted = ConcurrentHashMap.newKeySet();
        AtomicInteger sequence = new AtomicInteger();
        AgentProcess.Exit exit;
        RunFiles files = properties.files().enabled() ? new RunFiles(properties.files()) : null;
        try {
            Launch launch = sandboxRun.launch(command, env).gated().withInput(adapter.input(agentRequest));
            if (files != null) {
                launch = launch.withPostlude(files.postlude());
            }
            exit = process.run(launch, wallTime, properties.killGrace(), line -> (files != null && files.accept(line) ? Stream.<AgentSignal>empty()
                    : parser.parse(line).stream()).forEach(signal -> {
                        switch (signal) {
                            case AgentSignal.Progress p when posted.add(p.line()) -> progress.accept(events.of(
                                    RunProgress.newBuilder().setSequence(sequence.incrementAndGet()).setLine(p.line()).build()));
                            case AgentSignal.Progress p -> { } // each distinct line once
                            case AgentSignal.Usage u -> {
                                spend.add(u);
                                // an agent's own count may stop it early (never late: the gateway's is the cap)
                                if (spend.spentUsd() > budget && overBudget.compareAndSet(null, "it reported spending $%.4f of its $%.2f budget"
                                        .formatted(spend.spentUsd(), budget))) {
                                    log.info("run {}: over budget, {}: stopping it", events.runId(), overBudget.get());
                                    halt.complete("over budget");
                                }
                            }
                            case AgentSignal.Result r -> {
                                result.set(r);
                                if (r.costUsd() != null) {
                                    spend.reported(r.costUsd());
                                }
                            }
                        }
                    }), halt, go);
            parser.finish().stream().filter(AgentSignal.Result.class::isInstance).map(AgentSignal.Result.class::cast)
                    .forEach(result::set);
        } catch (IOException e) {
            log.error("run {}: the agent could not be run: {}", events.runId(), e.getMessage());
            return Optional.empty();
        }
        // the gateway's figure, once the agent called its model through it; an agent that never did (one that reaches
        // no model, or one by another way an operator opened) is known only by its own word
        RunAccount.Metered metered = door == null || door.account().metered().requests() == 0 ? null : door.account().metered();
        // the agent's own count may have stopped it a moment before the gateway's did: the gateway's reason is the one to give
        RunAccount.Stop gatewayStop = door == null ? null : door.account().stopped().getNow(null);
        if (gatewayStop != null && gatewayStop.overBudget()) {
            overBudget.set(gatewayStop.reason());
        }
        RunFinished finished = RunOutcome.of(exit, result.get(), wallTime, metered == null ? spend.spentUsd() : metered.costUsd(), overBudget.get());
        if (metered != null) {
            finished.setReportedCostUsd(spend.spentUsd());
            finished.setMetered(MeteredUsage.newBuilder().setRequests(metered.requests()).setInputTokens(metered.inputTokens())
                    .setOutputTokens(metered.outputTokens()).setCacheWriteTokens(metered.cacheWriteTokens())
                    .setCacheReadTokens(metered.cacheReadTokens()).setCostUsd(metered.costUsd()).build());
            if (unmetered.get() != null && overBudget.get() == null) {
                finished.setOutcome(Outcome.FAILED);
                finished.setReason("stopped by dispatch: " + unmetered.get());
            }
        }
        if (files != null) {
            finished.setFiles(files.files());
            finished.setMoreFiles(files.more());
        }
        return Optional.of(finished);
    }

    /** The adapter's binary, when the adapter exists, is configured and its binary is installed. */
    private Optional<Path> agentBinary(String adapterName) {
        DispatchProperties.Agent agent = properties.agents().get(adapterName);
        return adapters.find(adapterName).isPresent() && agent != null ? Executables.find(agent.binary()) : Optional.empty();
    }

    /** Why {@link #agentBinary} found nothing, naming the setting at fault. */
    private String missingAgent(String adapterName) {
        if (adapters.find(adapterName).isEmpty()) {
            return "no agent named '" + adapterName + "' (known: " + adapters.names() + ")";
        }
        DispatchProperties.Agent agent = properties.agents().get(adapterName);
        if (agent == null) {
            return "nightshift.dispatch.agents." + adapterName + ".binary is not set";
        }
        return "agent binary '" + agent.binary() + "' not found (nightshift.dispatch.agents." + adapterName + ".binary)";
    }
}
