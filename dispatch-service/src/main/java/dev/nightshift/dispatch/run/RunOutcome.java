package dev.nightshift.dispatch.run;

import java.time.Duration;

import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;

/** How a run ended, from the process's exit and the agent's result line (if it printed one). */
public final class RunOutcome {

    private RunOutcome() {
    }

    /**
     * @param spentUsd   what the run spent, by the agent's own total or else its priced usage
     * @param overBudget why dispatch stopped the run at its cost budget; null when it did not
     */
    public static RunFinished of(AgentProcess.Exit exit, AgentSignal.Result result, Duration wallTime, double spentUsd, String overBudget) {
        RunFinished.Builder b = RunFinished.newBuilder().setDurationMillis(exit.duration().toMillis()).setExitCode(exit.exitCode())
                .setCostUsd(spentUsd);
        if (result != null) {
            b.setInputTokens(result.inputTokens()).setOutputTokens(result.outputTokens()).setTurns(result.turns());
        }
        if (overBudget != null) {
            return b.setOutcome(Outcome.OVER_BUDGET).setReason("stopped by dispatch: " + overBudget).build();
        }
        if (exit.outputOverLimit()) {
            return b.setOutcome(Outcome.FAILED).setReason("the agent printed more than dispatch's output limit "
                    + "(nightshift.dispatch.ceiling.max-output) and was stopped").build();
        }
        if (exit.stopped() != null) {
            return b.setOutcome(Outcome.CANCELLED).setReason(exit.stopped()).build();
        }
        if (exit.timedOut()) {
            String lastError = result != null && result.isError() && result.text() != null ? " (its last error: " + result.text() + ")" : "";
            return b.setOutcome(Outcome.TIMED_OUT)
                    .setReason("no result within the wall-time budget of " + wallTime + "; the agent was stopped" + lastError).build();
        }
        if (result == null) {
            return b.setOutcome(Outcome.FAILED).setReason("the agent exited with code " + exit.exitCode() + " without a result"
                    + (exit.stderrTail().isEmpty() ? "" : ": " + exit.stderrTail())).build();
        }
        if (result.overBudget()) {
            return b.setOutcome(Outcome.OVER_BUDGET).setReason("the agent stopped at its budget (" + result.subtype() + ")")
                    .setSummary(result.text()).build();
        }
        if (!result.succeeded() || exit.exitCode() != 0) {
            String why = result.text() != null && !result.text().isBlank() ? result.text() : result.subtype();
            return b.setOutcome(Outcome.FAILED).setReason("the agent reported an error (exit code " + exit.exitCode() + "): " + why).build();
        }
        return b.setOutcome(Outcome.SUCCEEDED).setSummary(result.text()).build();
    }

    /** A run lost with the instance that ran it (it died, or stopped and handed the run over). */
    public static RunFinished lost(String instance, boolean cancelled) {
        return RunFinished.newBuilder()
                .setOutcome(cancelled ? Outcome.CANCELLED : Outcome.FAILED)
                .setReason((cancelled ? "cancelled; " : "") + "the dispatcher running it (" + instance + ") stopped before the run ended")
                .setDurationMillis(0)
                .build();
    }

    /** A run that never started its agent: refused, or its workspace or process could not be set up. */
    public static RunFinished notRun(String reason) {
        return RunFinished.newBuilder().setOutcome(Outcome.FAILED).setReason(reason).setDurationMillis(0).build();
    }
}
