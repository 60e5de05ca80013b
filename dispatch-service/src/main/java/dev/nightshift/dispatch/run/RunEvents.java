package dev.nightshift.dispatch.run;

import java.time.Clock;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;

/** Builds the run events of one run: the parts every event of the run shares are set once. */
public final class RunEvents {

    private final TaskEvent task;
    private final TaskRequested request;
    private final String runId;
    private final int attempt;
    private final Clock clock;

    /** @param runId unique per run (a new one for every attempt, also after a redelivery or a takeover) */
    public RunEvents(TaskEvent task, String runId, int attempt, Clock clock) {
        this.task = task;
        this.request = (TaskRequested) task.getBody();
        this.runId = runId;
        this.attempt = attempt;
        this.clock = clock;
    }

    public String runId() {
        return runId;
    }

    public String taskKey() {
        return task.getTaskKey();
    }

    public int attempt() {
        return attempt;
    }

    public RunEvent of(Object body) {
        return RunEvent.newBuilder()
                .setTaskKey(task.getTaskKey())
                .setRunId(runId)
                .setAttempt(attempt)
                .setMaxAttempts(request.getWorker().getBudget().getMaxAttempts())
                .setWorker(request.getWorker().getName())
                .setOccurredAt(clock.instant())
                .setTask(task.getTask())
                .setOutputs(request.getWorker().getOutputs())
                .setBody(body)
                .build();
    }
}
