package dev.nightshift.dispatch.run;

import java.time.Clock;
import java.util.UUID;
import java.nio.charset.StandardCharsets;

import dev.nightshift.events.RunEvent;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;

/** Builds the run events of one run: the parts every event of the run shares are set once. */
final class RunEvents {

    private final TaskEvent task;
    private final TaskRequested request;
    private final String runId;
    private final int attempt;
    private final Clock clock;

    RunEvents(TaskEvent task, int attempt, Clock clock) {
        this.task = task;
        this.request = (TaskRequested) task.getBody();
        this.attempt = attempt;
        this.clock = clock;
        // the same task event and attempt always make the same run id: redelivery reports idempotently
        this.runId = UUID.nameUUIDFromBytes((task.getEventId() + "#" + attempt).getBytes(StandardCharsets.UTF_8)).toString();
    }

    String runId() {
        return runId;
    }

    String taskKey() {
        return task.getTaskKey();
    }

    int attempt() {
        return attempt;
    }

    RunEvent of(Object body) {
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
