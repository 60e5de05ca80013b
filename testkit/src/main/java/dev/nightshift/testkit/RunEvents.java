package dev.nightshift.testkit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.RunEvent;
import dev.nightshift.events.Source;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.TodoistOutput;

/** Run events as dispatch writes them, for tests that feed report directly. */
public final class RunEvents {

    private RunEvents() {
    }

    /** A run of the writer worker on Todoist task {@code task}, attempt 1 of 1, a new run id, with this body. */
    public static RunEvent todoistRun(String task, Object body) {
        return RunEvent.newBuilder()
                .setTaskKey("todoist:" + task)
                .setRunId("run-" + UUID.randomUUID())
                .setAttempt(1)
                .setMaxAttempts(1)
                .setWorker("writer")
                .setOccurredAt(Instant.now())
                .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId(task).setTitle("Write a post").build())
                .setOutputs(OutputSinks.of(List.of(TodoistOutput.newBuilder().build())))
                .setBody(body)
                .build();
    }
}
