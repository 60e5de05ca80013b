package dev.nightshift.dispatch.run;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.agent.AgentAdapter;
import dev.nightshift.dispatch.agent.AgentRequest;
import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.budget.Ceiling;
import dev.nightshift.dispatch.budget.RetryPolicy;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Executables;
import dev.nightshift.dispatch.sandbox.Sandbox;
import dev.nightshift.dispatch.sandbox.Workspace;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.RunProgress;
import dev.nightshift.events.RunStarted;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** One run of a worker's agent on a task: checks, workspace, sandboxed process, events out. */
@Component
public class TaskRunner {

    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private final DispatchProperties properties;
    private final Map<String, AgentAdapter> adapters;
    private final Sandbox sandbox;
    private final AgentProcess process;
    private final RunPublisher publisher;
    private final MeterRegistry meters;
    private final Ceiling ceiling;
    private final Clock clock = Clock.systemUTC();
    private final CountDownLatch stopping = new CountDownLatch(1);

    public TaskRunner(DispatchProperties properties, List<AgentAdapter> adapters, Sandbox sandbox, AgentProcess process,
            RunPublisher publisher, MeterRegistry meters) {
        this.properties = properties;
        this.adapters = adapters.stream().collect(Collectors.toMap(AgentAdapter::name, Function.identity()));
        this.sandbox = sandbox;
        this.process = process;
        this.publisher = publisher;
        this.meters = meters;
        this.ceiling = new Ceiling(properties.ceiling());
    }

    /**
     * Runs the task's worker, attempt after attempt while a run fails and attempts remain, waiting the
     * retry backoff between them. Returns when the last attempt's finished event is on Kafka.
     */
    public void run(TaskEvent task) {
        TaskRequested request = (TaskRequested) task.getBody();
        WorkerSpec worker = request.getWorker();
        String adapterName = worker.getAgent().getAdapter();
        Optional<Path> binary = agentBinary(adapterName);
        Optional<String> refusal = ceiling.refusal(worker).or(() -> binary.isPresent() ? Optional.empty() : Optional.of(missingAgent(adapterName)));
        if (refusal.isPresent()) {
            log.warn("refusing {} for worker {}: {}", task.getTaskKey(), worker.getName(), refusal.get());
            finish(new RunEvents(task, 1, clock), adapterName, RunOutcome.notRun(refusal.get()));
            return;
        }
        int attempts = worker.getBudget().getMaxAttempts();
        for (int attempt = 1; ; attempt++) {
            Attempt result = attempt(new RunEvents(task, attempt, clock), request, binary.get());
            if (attempt >= attempts || !RetryPolicy.worthRetrying(result.finished().getOutcome(), result.agentRan())) {
                return;
            }
            Duration wait = RetryPolicy.backoff(properties.retryBackoff(), attempt);
            log.info("{}: attempt {}/{} {}, next attempt in {}", task.getTaskKey(), attempt, attempts,
                    result.finished().getOutcome(), wait);
            // stopping ends the wait and starts no new attempt; the task is not committed, so it is redelivered
            // and starts over (with the same run ids, so reports stay idempotent)
            boolean stopped;
            try {
                stopped = stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
            if (stopped) {
                throw new IllegalStateException("dispatch is stopping between attempts of " + task.getTaskKey());
            }
        }
    }

    @EventListener(ContextClosedEvent.class)
    void onStop() {
        stopping.countDown();
    }

    /** One attempt's end, and whether its agent ran at all (a run refused or never set up is not retried). */
    private record Attempt(RunFinished finished, boolean agentRan) {
    }

    private Attempt attempt(RunEvents events, TaskRequested request, Path binary) {
        WorkerSpec worker = request.getWorker();
        String adapterName = worker.getAgent().getAdapter();
        AgentAdapter adapter = adapters.get(adapterName);
        Path workspace;
        try {
            Path template = Workspace.template(properties.workdirsRoot(), worker.getAgent().getWorkdir());
            workspace = Workspace.create(properties.workspacesRoot(), events.runId(), template);
            sandbox.prepare(workspace);
        } catch (IllegalArgumentException | IOException e) {
            return new Attempt(finish(events, adapterName, RunOutcome.notRun("workspace could not be prepared: " + e.getMessage())), false);
        }
        try {
            publisher.publish(events.of(RunStarted.newBuilder().setAdapter(adapterName).setModel(worker.getAgent().getModel()).build()));
            log.info("run {} of {} started: worker {}, attempt {}, workspace {}", events.runId(), events.taskKey(), worker.getName(),
                    events.attempt(), workspace);
            Optional<RunFinished> ran = runAgent(events, adapter, binary, request, workspace);
            return ran.map(f -> new Attempt(finish(events, adapterName, f), true))
                    .orElseGet(() -> new Attempt(finish(events, adapterName, RunOutcome.notRun("the agent could not be started")), false));
        } finally {
            if (!properties.keepWorkspaces()) {
                try {
                    Workspace.delete(workspace);
                } catch (IOException e) {
                    log.warn("workspace {} not deleted: {}", workspace, e.getMessage());
                }
            }
        }
    }

    /** Empty when the agent's process could not be started at all. */
    private Optional<RunFinished> runAgent(RunEvents events, AgentAdapter adapter, Path binary, TaskRequested request, Path workspace) {
        WorkerSpec worker = request.getWorker();
        Duration wallTime = Duration.ofMillis(worker.getBudget().getWallTimeMillis());
        List<String> command = adapter.command(binary.toString(), new AgentRequest(request.getPrompt(),
                worker.getAgent().getModel(), worker.getAgent().getAllowedTools(),
                worker.getBudget().getMaxTurns(), worker.getBudget().getMaxCostUsd()));
        AgentAdapter.LineParser parser = adapter.newParser();
        AtomicReference<AgentSignal.Result> result = new AtomicReference<>();
        Set<String> posted = ConcurrentHashMap.newKeySet();
        AtomicInteger sequence = new AtomicInteger();
        AgentProcess.Exit exit;
        try {
            exit = process.run(sandbox.launch(command, workspace, environment(workspace)), wallTime, properties.killGrace(),
                    line -> parser.parse(line).ifPresent(signal -> {
                        switch (signal) {
                            case AgentSignal.Progress p when posted.add(p.line()) -> publisher.publishProgress(events.of(
                                    RunProgress.newBuilder().setSequence(sequence.incrementAndGet()).setLine(p.line()).build()));
                            case AgentSignal.Progress p -> { } // each distinct line once
                            case AgentSignal.Result r -> result.set(r);
                        }
                    }));
        } catch (IOException e) {
            log.error("run {}: the agent could not be run: {}", events.runId(), e.getMessage());
            return Optional.empty();
        }
        return Optional.of(RunOutcome.of(exit, result.get(), wallTime));
    }

    /** The adapter's binary, when the adapter exists, is configured and its binary is installed. */
    private Optional<Path> agentBinary(String adapterName) {
        DispatchProperties.Agent agent = properties.agents().get(adapterName);
        return adapters.containsKey(adapterName) && agent != null ? Executables.find(agent.binary()) : Optional.empty();
    }

    /** Why {@link #agentBinary} found nothing, naming the setting at fault. */
    private String missingAgent(String adapterName) {
        if (!adapters.containsKey(adapterName)) {
            return "no adapter named '" + adapterName + "' (known: " + adapters.keySet() + ")";
        }
        DispatchProperties.Agent agent = properties.agents().get(adapterName);
        if (agent == null) {
            return "nightshift.dispatch.agents." + adapterName + ".binary is not set";
        }
        return "agent binary '" + agent.binary() + "' not found (nightshift.dispatch.agents." + adapterName + ".binary)";
    }

    private Map<String, String> environment(Path workspace) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", sandbox.workspaceInside(workspace));
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        for (String name : properties.sandbox().passEnv()) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        return env;
    }


    private RunFinished finish(RunEvents events, String adapter, RunFinished finished) {
        publisher.publish(events.of(finished));
        Timer.builder("nightshift.dispatch.runs")
                .description("Agent runs by adapter and outcome")
                .tag("adapter", adapters.containsKey(adapter) ? adapter : "unknown")
                .tag("outcome", finished.getOutcome().name().toLowerCase())
                .register(meters)
                .record(Duration.ofMillis(finished.getDurationMillis()));
        log.info("run {} finished: {}{}", events.runId(), finished.getOutcome(),
                finished.getReason() == null ? "" : " (" + finished.getReason() + ")");
        return finished;
    }
}
