package dev.nightshift.dispatch.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.nightshift.dispatch.run.AttemptRunner;
import dev.nightshift.dispatch.run.RunEvents;
import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.RunFinished;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.WorkerSpec;

/**
 * The runs on this instance, with the agent stood in: a run the engine starts waits until the test ends it, as an
 * agent would end (succeeded, failed, or stopped when asked). Like the real supervisor, a run counts as in flight
 * until it ends, and its end is reported from "its thread" (here: the test's).
 */
final class StandInRuns implements Runs {

    /** One run the engine started. */
    final class Run {
        final RunEvents events;
        final CompletableFuture<?> go;
        final CompletableFuture<String> stop = new CompletableFuture<>();
        private final Consumer<AttemptRunner.Attempt> onEnd;
        private boolean ended;

        Run(RunEvents events, CompletableFuture<?> go, Consumer<AttemptRunner.Attempt> onEnd) {
            this.events = events;
            this.go = go;
            this.onEnd = onEnd;
        }

        /** Its agent was let go: its lease is on Kafka. */
        boolean agentStarted() {
            return go.isDone() && !go.isCompletedExceptionally();
        }

        /** Why the engine asked it to stop, or null. */
        String stoppedFor() {
            return stop.getNow(null);
        }

        void succeeds(double costUsd) {
            end(RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setCostUsd(costUsd).setDurationMillis(1000).build(), true);
        }

        void fails(String reason) {
            end(RunFinished.newBuilder().setOutcome(Outcome.FAILED).setReason(reason).setDurationMillis(1000).build(), true);
        }

        /** Ends as an agent stopped by the engine does: cancelled, for the reason it was given. */
        void endsStopped() {
            end(RunFinished.newBuilder().setOutcome(Outcome.CANCELLED).setReason(stoppedFor()).setDurationMillis(1000).build(), true);
        }

        private void end(RunFinished finished, boolean agentRan) {
            if (ended) {
                throw new IllegalStateException("run " + events.runId() + " ended already");
            }
            ended = true;
            inFlight--;
            onEnd.accept(new AttemptRunner.Attempt(finished, agentRan));
        }
    }

    final List<Run> started = new ArrayList<>();
    private int inFlight;
    private RuntimeException startFailure;
    private double budgetUsd = 1.0;

    /** The next starts throw this, as a supervisor that cannot start a thread would. */
    void startsFailWith(RuntimeException e) {
        startFailure = e;
    }

    void budget(double usd) {
        budgetUsd = usd;
    }

    Run last() {
        return started.getLast();
    }

    @Override
    public Optional<String> refusal(WorkerSpec worker) {
        return Optional.empty();
    }

    @Override
    public double costBudget(WorkerSpec worker) {
        return budgetUsd;
    }

    @Override
    public RunSupervisor.RunHandle start(RunEvents events, TaskRequested request, CompletableFuture<?> go, Consumer<RunEvent> progress,
            Consumer<AttemptRunner.Attempt> onEnd) {
        if (startFailure != null) {
            throw startFailure;
        }
        Run run = new Run(events, go, onEnd);
        started.add(run);
        inFlight++;
        // a thread never started: the engine joins it on handover, and it is over at once
        return new RunSupervisor.RunHandle(events.runId(), run.stop, Thread.ofPlatform().unstarted(() -> {
        }));
    }

    @Override
    public int inFlight() {
        return inFlight;
    }
}
