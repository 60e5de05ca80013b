package dev.nightshift.dispatch.agent;

/** What a line of an agent's output means to a run. Lines that mean nothing produce no signal. */
public sealed interface AgentSignal {

    /** A human-readable status line: reading / writing / running / searching ... */
    record Progress(String line) implements AgentSignal {
    }

    /**
     * Tokens one model message used so far. A message can be reported more than once as it grows (Claude Code
     * prints one line per content block, each with the message's usage): the latest report of an id counts.
     *
     * @param messageId   names the message; null when each report is a message of its own
     * @param cacheWrite  input tokens written to the prompt cache
     * @param cacheRead   input tokens read from the prompt cache
     */
    record Usage(String model, String messageId, long input, long output, long cacheWrite, long cacheRead) implements AgentSignal {
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
