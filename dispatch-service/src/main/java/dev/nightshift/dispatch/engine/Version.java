package dev.nightshift.dispatch.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.nightshift.dispatch.run.RunSupervisor;
import dev.nightshift.events.TaskEvent;
import dev.nightshift.events.TaskRequested;
import dev.nightshift.events.Topics;
import io.micrometer.tracing.Span;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.springframework.kafka.support.Acknowledgment;

/** One task version as this dispatcher handles it. Touched only on the dispatcher's thread. */
final class Version {

    enum Phase {
        /** Behind another version of the same task. */
        WAITING,
        /** Ready to run, waiting for a free slot. */
        QUEUED,
        /** Its lease is being written; the agent starts once it is on Kafka. */
        STARTING,
        /** Its agent runs here. */
        RUNNING,
        /** Its agent runs on another instance (it had the partition before): wait for its end or its lease to expire. */
        WATCHING,
        /** Waiting for the next day: today's spend ceiling has no room for its budget. */
        SPEND_WAIT,
        /** Waiting for the retry backoff before the next attempt. */
        BACKOFF,
        /** Its outcome is being written. */
        FINISHING
    }

    /** A record of nightshift.tasks held until the work it asked for has ended. */
    /** @param trace the record's headers as far as tracing goes: the trace its run continues */
    record Held(int partition, long offset, Acknowledgment ack, Headers trace) {
    }

    final String taskKey;
    final String taskVersion;
    final int partition;
    final TaskEvent request;
    final long receivedNanos;
    /** The offset of the first record that asked for it. */
    final long firstOffset;
    final List<Held> records = new ArrayList<>();
    /** Where it is in its life; moved only by {@link #apply}. */
    private Phase phase = Phase.WAITING;
    /** The last attempt started, by anyone. */
    int attempt;
    String runId;
    RunSupervisor.RunHandle run;
    /** The trace of the task record that asked for this version, and the span of its current attempt. */
    Headers trace;
    Span span;
    Instant leaseConfirmedUntil;
    /** The run was stopped for a reason other than its own end (shutdown, lost lease): write nothing for it. */
    String abandoned;
    /** Its last run was lost with the instance that ran it: its next attempt goes first. */
    boolean takenOver;
    boolean cancelRequested;
    String cancelReason;
    /** The running attempt's reservation on nightshift.spend, settled with its outcome. */
    ProducerRecord<String, Object> reservation;
    /** The day it last told its task that it waits for the spend ceiling: once a day. */
    String spendNoticeDay;
    EngineLoop.Timer timer;
    /** A step about it threw: why (it ends failed for that reason). */
    String faulted;
    /** Its final ledger entry is on Kafka: nothing is written about it any more. */
    boolean endWritten;

    Version(String taskKey, String taskVersion, int partition, long firstOffset, TaskEvent request) {
        this.taskKey = taskKey;
        this.taskVersion = taskVersion;
        this.partition = partition;
        this.firstOffset = firstOffset;
        this.request = request;
        this.receivedNanos = System.nanoTime();
    }

    TaskRequested body() {
        return (TaskRequested) request.getBody();
    }

    int maxAttempts() {
        return body().getWorker().getBudget().getMaxAttempts();
    }

    String key() {
        return key(taskKey, taskVersion);
    }

    static String key(String taskKey, String taskVersion) {
        return Topics.ledgerKey(taskKey, taskVersion);
    }

    Phase phase() {
        return phase;
    }

    /** Moves it as its life ({@link VersionLife}) says {@code event} does; throws when it does not go that way. */
    void apply(VersionLife.Event event) {
        phase = VersionLife.next(phase, event);
    }

    /** A run of it is going on here (starting, running or writing its outcome). */
    boolean runsHere() {
        return phase == Phase.STARTING || phase == Phase.RUNNING || phase == Phase.FINISHING;
    }

    @Override
    public String toString() {
        return taskKey + " (version " + taskVersion + ")";
    }
}
