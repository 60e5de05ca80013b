package dev.nightshift.dispatch.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import org.junit.jupiter.api.Test;

class RunOutcomeTest {

    @Test
    void aRunDispatchStoppedAtItsCostIsOverBudgetWithWhatItSpent() {
        RunFinished f = RunOutcome.of(new AgentProcess.Exit(null, false, "over budget", "", WALL, false), null, WALL, 0.61,
                "it had spent $0.6100 of its $0.50 budget");
        assertThat(f.getOutcome()).isEqualTo(Outcome.OVER_BUDGET);
        assertThat(f.getCostUsd()).isEqualTo(0.61);
        assertThat(f.getReason()).isEqualTo("stopped by dispatch: it had spent $0.6100 of its $0.50 budget");
    }

    @Test
    void aRunStoppedForItsOutputFailsNamingTheSetting() {
        RunFinished f = RunOutcome.of(new AgentProcess.Exit(null, false, null, "", WALL, true), null, WALL, 0.0, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(f.getReason()).contains("nightshift.dispatch.ceiling.max-output");
    }

    private static final Duration WALL = Duration.ofMinutes(10);

    @Test
    void successNeedsASuccessResultAndExitZero() {
        RunFinished f = RunOutcome.of(exit(0), result("success", false, "Done it."), WALL, 0.5, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(f.getSummary()).isEqualTo("Done it.");
        assertThat(f.getCostUsd()).isEqualTo(0.5);
        assertThat(f.getTurns()).isEqualTo(4);
        assertThat(f.getInputTokens()).isEqualTo(100L);
        assertThat(f.getOutputTokens()).isEqualTo(200L);
    }

    @Test
    void anErrorResultFailsWithItsText() {
        RunFinished f = RunOutcome.of(exit(1), result("error_during_execution", true, "API Error: 529"), WALL, 0.0, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(f.getReason()).contains("API Error: 529").contains("exit code 1");
    }

    @Test
    void aSuccessResultWithANonZeroExitFails() {
        assertThat(RunOutcome.of(exit(2), result("success", false, "ok"), WALL, 0.0, null).getOutcome()).isEqualTo(Outcome.FAILED);
    }

    @Test
    void noResultLineFailsWithStderr() {
        RunFinished f = RunOutcome.of(new AgentProcess.Exit(127, false, null, "claude: command not found", Duration.ofMillis(5), false), null, WALL, 0.0, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.FAILED);
        assertThat(f.getReason()).contains("code 127").contains("command not found");
    }

    @Test
    void budgetStopsAreOverBudget() {
        assertThat(RunOutcome.of(exit(1), result("error_max_turns", true, null), WALL, 0.0, null).getOutcome()).isEqualTo(Outcome.OVER_BUDGET);
        assertThat(RunOutcome.of(exit(1), result("error_max_budget_usd", true, null), WALL, 0.0, null).getOutcome()).isEqualTo(Outcome.OVER_BUDGET);
    }

    @Test
    void theWallClockWinsOverAnyResult() {
        RunFinished f = RunOutcome.of(new AgentProcess.Exit(null, true, null, "", WALL, false), result("success", false, "late"), WALL, 0.0, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(f.getReason()).contains("PT10M");
        assertThat(f.getExitCode()).isNull();
    }

    @Test
    void aStoppedRunIsCancelledWithTheReason() {
        RunFinished f = RunOutcome.of(new AgentProcess.Exit(null, false, "cancelled in Todoist", "", WALL, false), result("success", false, "late"), WALL, 0.0, null);
        assertThat(f.getOutcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(f.getReason()).isEqualTo("cancelled in Todoist");
    }

    private static AgentProcess.Exit exit(int code) {
        return new AgentProcess.Exit(code, false, null, "", Duration.ofSeconds(3), false);
    }

    private static AgentSignal.Result result(String subtype, boolean isError, String text) {
        return new AgentSignal.Result(subtype, isError, text, 0.5, 100L, 200L, 4);
    }
}
