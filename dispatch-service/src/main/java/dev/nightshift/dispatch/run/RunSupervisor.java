package dev.nightshift.dispatch.run;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Owns the runs in flight on this instance. Each run gets a platform thread of its own that lives exactly
 * as long as the run: the agent's sandbox dies with the OS thread that started it, so it must be neither
 * a virtual thread (whose carrier may be retired) nor a thread that does anything else.
 */
@Component
public class RunSupervisor {

    private static final Logger log = LoggerFactory.getLogger(RunSupervisor.class);

    private final AttemptRunner runner;
    private final AtomicInteger inFlight = new AtomicInteger();

    public RunSupervisor(AttemptRunner runner) {
        this.runner = runner;
    }

    /** A run in flight: {@link #stop} ends it early (TERM to the agent, KILL after the grace). */
    public record RunHandle(String runId, CompletableFuture<String> stopSignal, Thread thread) {
        public void stop(String reason) {
            stopSignal.complete(reason);
        }
    }

    /**
     * Starts the attempt on its own thread; its agent waits for {@code go}. {@code onEnd} is called on that
     * thread once its processes are gone.
     */
    public RunHandle start(RunEvents events, TaskRequested request, CompletableFuture<?> go, Consumer<RunEvent> progress,
            Consumer<AttemptRunner.Attempt> onEnd) {
        CompletableFuture<String> stop = new CompletableFuture<>();
        inFlight.incrementAndGet();
        Thread thread = Thread.ofPlatform().name("run-" + events.runId()).start(() -> {
            AttemptRunner.Attempt attempt;
            try {
                attempt = runner.run(events, request, go, stop, progress);
            } catch (RuntimeException e) {
                log.error("run {} of {} broke: {}", events.runId(), events.taskKey(), e.getMessage(), e);
                attempt = new AttemptRunner.Attempt(RunOutcome.notRun("dispatch failed running the agent: " + e.getMessage()), false);
            } finally {
                inFlight.decrementAndGet();
            }
            onEnd.accept(attempt);
        });
        return new RunHandle(events.runId(), stop, thread);
    }

    public int inFlight() {
        return inFlight.get();
    }
}
