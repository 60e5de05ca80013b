package dev.nightshift.dispatch.engine;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;

/** What the engine asks of the runs on this instance: may a worker run, what may it spend, start one, how many go on. */
interface Runs {

    /** Why this worker may not run here, or empty when it may. */
    Optional<String> refusal(WorkerSpec worker);

    /** What one run of this worker may spend. */
    double costBudget(WorkerSpec worker);

    /** Starts the attempt on its own thread; its agent waits for {@code go}; {@code onEnd} is called once it is over. */
    RunSupervisor.RunHandle start(RunEvents events, TaskRequested request, CompletableFuture<?> go, Consumer<RunEvent> progress,
            Consumer<AttemptRunner.Attempt> onEnd);

    int inFlight();
}
