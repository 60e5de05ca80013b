package dev.nightshift.ingest.routing;

import java.time.Duration;
import java.util.List;

import org.springframework.util.unit.DataSize;

/** A worker from the catalogue, validated: everything dispatch and report need, never a secret. */
public record Worker(
        String name,
        Trigger trigger,
        PromptTemplate goal,
        Agent agent,
        Budget budget,
        Outputs outputs,
        Sandbox sandbox) {

    public record Agent(String adapter, String model, List<String> allowedTools, String workdir) {
    }

    public record Budget(Duration wallTime, Integer maxTurns, Double maxCostUsd, int maxAttempts) {
    }

    /**
     * What the worker's runs may reach and use; null fields (and a null sandbox) take dispatch's defaults.
     *
     * @param network    none, allowlist or host
     * @param allowHosts names reachable under allowlist besides dispatch's own list
     */
    public record Sandbox(String network, List<String> allowHosts, DataSize memory, Integer processes, Duration cpuTime,
            DataSize fileSize, Integer openFiles, DataSize workspace, DataSize tmp) {
    }

    public record Outputs(TodoistOutput todoist) {
    }

    public record TodoistOutput(boolean comment, String doneLabel, String failedLabel) {
    }
}
