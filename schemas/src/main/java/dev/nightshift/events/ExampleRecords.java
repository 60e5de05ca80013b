package dev.nightshift.events;

import java.time.Instant;
import java.util.List;

/**
 * One valid record of each kind Nightshift writes, for a service to serialize and read back at start-up (its
 * warm-up): the schema look-ups, Avro's encoders and decoders and the signing are paid then, not by the first
 * task. Never written to a topic.
 */
public final class ExampleRecords {

    private static final Instant AT = Instant.EPOCH;
    private static final TaskRef TASK = TaskRef.newBuilder().setSource(Source.API).setSourceId("warm-up").setTitle("warm-up").build();

    private ExampleRecords() {
    }

    public static TaskEvent task() {
        return TaskEvent.newBuilder().setTaskKey("api:warm-up").setEventId("warm-up").setOccurredAt(AT).setTask(TASK)
                .setBody(TaskRequested.newBuilder().setTaskVersion("warm-up").setPrompt("warm-up")
                        .setWorker(WorkerSpec.newBuilder().setName("warm-up")
                                .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                                .setBudget(Budget.newBuilder().setWallTimeMillis(1).build())
                                .setOutputs(OutputSinks.of(List.of())).build())
                        .build())
                .build();
    }

    public static RunEvent run() {
        return RunEvent.newBuilder().setTaskKey("api:warm-up").setRunId("warm-up").setAttempt(1).setMaxAttempts(1).setWorker("warm-up")
                .setOccurredAt(AT).setTask(TASK).setOutputs(OutputSinks.of(List.of()))
                .setBody(RunStarted.newBuilder().setAdapter("claude").build())
                .build();
    }

    public static TaskLedgerEntry ledgerEntry() {
        return TaskLedgerEntry.newBuilder().setTaskKey("api:warm-up").setTaskVersion("warm-up").setState(TaskState.RUNNING)
                .setAttempt(1).setMaxAttempts(1).setUpdatedAt(AT).build();
    }

    public static SpendEntry spendEntry() {
        return SpendEntry.newBuilder().setDay("1970-01-01 UTC").setRunId("warm-up").setInstance("warm-up").setReservedUsd(0).setAt(AT).build();
    }

    public static WriteRecord write() {
        return WriteRecord.newBuilder().setSink("warm-up").setRunId("warm-up").setWrite("warm-up").setState(WriteState.INTENDED)
                .setTaskKey("api:warm-up").build();
    }
}
