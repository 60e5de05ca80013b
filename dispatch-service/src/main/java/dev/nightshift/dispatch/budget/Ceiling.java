package dev.nightshift.dispatch.budget;

import java.time.Duration;
import java.util.Optional;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.events.WorkerSpec;

/** Dispatch's own limits: a task event can narrow what an agent may do, never widen it past these. */
public record Ceiling(DispatchProperties.Ceiling limits) {

    /** What one run of this worker may spend: its own max-cost-usd, or dispatch's default. */
    public double costBudget(WorkerSpec worker) {
        Double cost = worker.getBudget().getMaxCostUsd();
        return cost != null ? cost : limits.defaultCostUsd();
    }

    /** Why this worker may not run here, or empty when it may. */
    public Optional<String> refusal(WorkerSpec worker) {
        String adapter = worker.getAgent().getAdapter();
        if (!limits.adapters().contains(adapter)) {
            return Optional.of("adapter '" + adapter + "' is not allowed by nightshift.dispatch.ceiling.adapters " + limits.adapters());
        }
        if (!limits.allowedTools().contains("*")) {
            for (String tool : worker.getAgent().getAllowedTools()) {
                if (!limits.allowedTools().contains(tool)) {
                    return Optional.of("tool '" + tool + "' is not allowed by nightshift.dispatch.ceiling.allowed-tools");
                }
            }
        }
        Duration wallTime = Duration.ofMillis(worker.getBudget().getWallTimeMillis());
        if (wallTime.compareTo(limits.maxWallTime()) > 0) {
            return Optional.of("wall time " + wallTime + " exceeds nightshift.dispatch.ceiling.max-wall-time " + limits.maxWallTime());
        }
        if (wallTime.isNegative() || wallTime.isZero()) {
            return Optional.of("wall time must be positive");
        }
        Integer turns = worker.getBudget().getMaxTurns();
        if (turns != null && turns < 1) {
            return Optional.of("max turns " + turns + " must be positive");
        }
        Double cost = worker.getBudget().getMaxCostUsd();
        if (cost != null && (cost <= 0 || cost > limits.maxCostUsd())) {
            return Optional.of("max cost $" + cost + " is outside (0, " + limits.maxCostUsd() + "] (nightshift.dispatch.ceiling.max-cost-usd)");
        }
        int attempts = worker.getBudget().getMaxAttempts();
        if (attempts < 1 || attempts > limits.maxAttempts()) {
            return Optional.of(attempts + " attempts are outside 1.." + limits.maxAttempts() + " (nightshift.dispatch.ceiling.max-attempts)");
        }
        return Optional.empty();
    }
}
