package dev.nightshift.dispatch.agent;

/** What a line of an agent's output means to a run. Lines that mean nothing produce no signal. */
public sealed interface AgentSignal {

    /** A human-readable status line: reading / writing / running / searching ... */
    record Progress(String line) implements AgentSignal {
    }

    /**
     * The agent's final word.
     *
     * @param subtype success, error_max_turns, error_max_budget_usd, error_during_execution, ...
     */
    record Result(String subtype, boolean isError, String text, Double costUsd, Long inputTokens, Long outputTokens,
                  Integer turns) implements AgentSignal {

        public boolean overBudget() {
            return "error_max_turns".equals(subtype) || "error_max_budget_usd".equals(subtype);
        }

        /** Claude Code can report is_error with subtype success: both must say success. */
        public boolean succeeded() {
            return !isError && "success".equals(subtype);
        }
    }
}
