package dev.nightshift.ingest.routing;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.springframework.util.unit.DataSize;

/** A worker from the catalogue, validated: everything dispatch and report need, never a secret. */
public record Worker(
        String name,
        Trigger trigger,
        PromptTemplate goal,
        Agent agent,
        Budget budget,
        List<Output> outputs,
        Sandbox sandbox,
        Limits limits) {

    /**
     * Runs this worker starts in an hour; a null field takes the service's {@code nightshift.ingest.limits}.
     *
     * @param runsPerHour          whoever asks
     * @param runsPerAuthorPerHour per person asking
     */
    public record Limits(Integer runsPerHour, Integer runsPerAuthorPerHour) {
    }

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

    /** Whether a task already carries a label this worker's outputs put on it when a run ended: polls leave it. */
    public boolean finishedOn(Predicate<String> hasLabel) {
        return outputs.stream().flatMap(o -> o.finishedLabels().stream()).anyMatch(hasLabel);
    }

    /** The output of this kind, if the worker has one. */
    public <T extends Output> Optional<T> output(Class<T> kind) {
        return outputs.stream().filter(kind::isInstance).map(kind::cast).findFirst();
    }
}
