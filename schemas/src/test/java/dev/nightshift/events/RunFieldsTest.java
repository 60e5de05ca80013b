package dev.nightshift.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class RunFieldsTest {

    private final RunFinished finished = RunFinished.newBuilder().setOutcome(Outcome.SUCCEEDED).setSummary("Drafted.").setCostUsd(0.03125)
            .setDurationMillis(61_500).setFiles(List.of(RunFile.newBuilder().setName("draft.md").setSizeBytes(6).setContent("Hello\n").build(),
                    RunFile.newBuilder().setName("big.bin").setSizeBytes(9_000_000).build()))
            .build();
    private final RunEvent run = RunEvent.newBuilder().setTaskKey("todoist:42").setRunId("run-1").setAttempt(2).setWorker("writer")
            .setOccurredAt(Instant.parse("2026-11-22T09:00:00Z"))
            .setTask(TaskRef.newBuilder().setSource(Source.TODOIST).setSourceId("42").setTitle("Post about $5 {fees}")
                    .setLabels(List.of("linkedin", "draft")).build())
            .setOutputs(OutputSinks.of(List.of())).setBody(finished).build();

    @Test
    void placeholdersAreTheRunsValuesAndTheRestIsCopied() {
        assertEquals("Post about $5 {fees} (linkedin, draft)", RunFields.render("{{title}} ({{ labels }})", run, finished));
        assertEquals("Hello\n", RunFields.render("{{file:draft.md}}", run, finished));
        assertEquals("", RunFields.render("{{file:big.bin}}{{file:missing.md}}{{url}}", run, finished));
        assertEquals("succeeded 0.0313 61 s, attempt 2 of run-1 by writer: draft.md, big.bin",
                RunFields.render("{{outcome}} {{cost}} {{duration}} s, attempt {{attempt}} of {{run}} by {{worker}}: {{files}}", run, finished));
        assertEquals("Draft", RunFields.render("Draft", run, finished));
    }

    @Test
    void unknownPlaceholdersAreNamed() {
        assertEquals(List.of("{{platform}}", "{{title:x}}", "{{file:}}"), RunFields.unknown("{{title}} {{platform}} {{title:x}} {{file:}} {{file:a.md}}"));
    }
}
