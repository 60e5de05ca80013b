package dev.nightshift.ingest.routing;

import java.time.Duration;
import java.util.List;

/** A worker from the catalogue, validated: everything dispatch and report need, never a secret. */
public record Worker(
        String name,
        Trigger trigger,
        PromptTemplate goal,
        Agent agent,
        Budget budget,
        Outputs outputs) {

    public record Agent(String adapter, String model, List<String> allowedTools, String workdir) {
    }

    public record Budget(Duration wallTime, Integer maxTurns, Double maxCostUsd, int maxAttempts) {
    }

    public record Outputs(TodoistOutput todoist) {
    }

    public record TodoistOutput(boolean comment, String doneLabel, String failedLabel) {
    }
}
