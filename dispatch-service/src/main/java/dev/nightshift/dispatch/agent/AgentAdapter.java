package dev.nightshift.dispatch.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** The API its model calls go to, through the model gateway; empty for an agent that calls none it knows of. */
    default Optional<ModelApi> modelApi() {
        return Optional.empty();
    }

    /**
     * What points the agent at its gateway door ({@code url}) with the run's token as its only credential.
     * Values here are no secret of Nightshift's: the token is good for this run's door only.
     */
    default Map<String, String> gatewayEnvironment(String url, String token) {
        return Map.of();
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
