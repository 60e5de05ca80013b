package dev.nightshift.dispatch.agent;

import java.util.List;

/** One agent CLI: how to call it and how to read what it prints. */
public interface AgentAdapter {

    /** The agent's name in worker specs and settings (nightshift.dispatch.agents.NAME). */
    String name();

    /** The argv, binary first. The prompt is one element (or stdin): never through a shell, never where it could be an option. */
    List<String> command(String binary, AgentRequest request);

    /** What the agent reads on stdin once it starts: the prompt, for agents that take it there; null for nothing. */
    default String input(AgentRequest request) {
        return null;
    }

    /**
     * The variables of dispatch's environment this agent gets by default (its own model credentials, never
     * another agent's); {@code nightshift.dispatch.agents.NAME.pass-env} replaces them.
     */
    default List<String> credentialEnv() {
        return List.of();
    }

    /** A parser for one run's output: it may keep state across lines. */
    LineParser newParser(AgentRequest request);

    interface LineParser {
        /** What one line means: nothing, or a few signals (a tool use and the tokens of its message). */
        List<AgentSignal> parse(String line);

        /** What the output as a whole meant, once it has ended (an agent whose result is all it printed). */
        default List<AgentSignal> finish() {
            return List.of();
        }
    }
}
