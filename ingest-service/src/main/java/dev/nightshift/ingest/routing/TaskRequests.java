package dev.nightshift.ingest.routing;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.AirtableOutput;
import dev.nightshift.events.GitHubOutput;
import dev.nightshift.events.LinearOutput;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.Outputs;
import dev.nightshift.events.TaskCancelled;
import dev.nightshift.events.TaskDeclined;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRef;
import dev.nightshift.events.SandboxSpec;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.TodoistOutput;
import dev.nightshift.events.WorkerSpec;
import org.springframework.util.unit.DataSize;

/** Turns a routed task into the task-requested event: the worker resolved, the goal rendered. */
public final class TaskRequests {

    private TaskRequests() {
    }

    /** Stops the task: every version of it requested so far. */
    public static TaskEvent cancelled(String taskKey, TaskRef task, String reason, String deliveryId, Instant now) {
        return TaskEvent.newBuilder()
                .setTaskKey(taskKey)
                .setEventId(UUID.nameUUIDFromBytes(deliveryId.getBytes(StandardCharsets.UTF_8)).toString())
                .setOccurredAt(now)
                .setTask(task)
                .setBody(TaskCancelled.newBuilder().setReason(reason).build())
                .build();
    }

    /**
     * No run for this request: the answer report writes on the task's item. {@code replyId} names the one reply it
     * is (per worker, author and cap window), so every replica that declines in that window publishes the same.
     */
    public static TaskEvent declined(String taskKey, TaskRef task, Worker worker, String author, String reason, String replyId, Instant now) {
        return TaskEvent.newBuilder()
                .setTaskKey(taskKey)
                .setEventId(UUID.nameUUIDFromBytes(replyId.getBytes(StandardCharsets.UTF_8)).toString())
                .setOccurredAt(now)
                .setTask(task)
                .setBody(TaskDeclined.newBuilder().setReason(reason).setWorker(worker.name()).setAuthor(author).setOutputs(outputs(worker)).build())
                .build();
    }

    /**
     * @param taskVersion names the request: every delivery of the same request carries the same version
     * @param deliveryId the sender's delivery id: a redelivery gets the same event id, so consumers can drop it
     */
    public static TaskEvent requested(String taskKey, TaskRef task, String taskVersion, Worker worker, String deliveryId, Instant now) {
        String prompt = worker.goal().render(TaskFields.of(taskKey, task));
        Worker.Agent a = worker.agent();
        Worker.Budget b = worker.budget();
        WorkerSpec spec = WorkerSpec.newBuilder()
                .setName(worker.name())
                .setAgent(AgentSpec.newBuilder().setAdapter(a.adapter()).setModel(a.model())
                        .setAllowedTools(a.allowedTools()).setWorkdir(a.workdir()).build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(b.wallTime().toMillis()).setMaxTurns(b.maxTurns())
                        .setMaxCostUsd(b.maxCostUsd()).setMaxAttempts(b.maxAttempts()).build())
                .setOutputs(outputs(worker))
                .setSandbox(sandbox(worker.sandbox()))
                .build();
        return TaskEvent.newBuilder()
                .setTaskKey(taskKey)
                .setEventId(UUID.nameUUIDFromBytes(deliveryId.getBytes(StandardCharsets.UTF_8)).toString())
                .setOccurredAt(now)
                .setTask(task)
                .setBody(TaskRequested.newBuilder().setTaskVersion(taskVersion).setPrompt(prompt).setWorker(spec).build())
                .build();
    }

    private static Outputs outputs(Worker worker) {
        return OutputSinks.of(worker.outputs().stream().map(TaskRequests::sink).toList());
    }

    private static Object sink(Output output) {
        return switch (output) {
            case Output.Todoist t -> TodoistOutput.newBuilder().setComment(t.comment()).setDoneLabel(t.doneLabel())
                    .setFailedLabel(t.failedLabel()).build();
            case Output.GitHub g -> GitHubOutput.newBuilder().setComment(g.comment()).setWorkingLabel(g.workingLabel())
                    .setDoneLabel(g.doneLabel()).setFailedLabel(g.failedLabel()).setFileFindings(g.fileFindings())
                    .setFindingsRepository(g.findingsRepository()).build();
            case Output.Airtable a -> AirtableOutput.newBuilder().setBase(a.base()).setTable(a.table()).setExternalIdField(a.externalIdField())
                    .setFields(a.fields()).build();
            case Output.Linear l -> LinearOutput.newBuilder().setComment(l.comment()).setStartedState(l.startedState())
                    .setReviewState(l.reviewState()).setDoneLabel(l.doneLabel()).setFailedLabel(l.failedLabel()).build();
        };
    }

    private static SandboxSpec sandbox(Worker.Sandbox s) {
        if (s == null) {
            return null;
        }
        return SandboxSpec.newBuilder().setNetwork(s.network()).setAllowHosts(s.allowHosts())
                .setMemoryBytes(bytes(s.memory())).setProcesses(s.processes())
                .setCpuTimeMillis(s.cpuTime() == null ? null : s.cpuTime().toMillis())
                .setFileSizeBytes(bytes(s.fileSize())).setOpenFiles(s.openFiles())
                .setWorkspaceBytes(bytes(s.workspace())).setTmpBytes(bytes(s.tmp()))
                .build();
    }

    private static Long bytes(DataSize size) {
        return size == null ? null : size.toBytes();
    }
}
