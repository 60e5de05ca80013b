package dev.nightshift.dispatch.agent;

import java.util.List;
import java.util.Optional;

/** One agent CLI: how to call it and how to read what it prints. */
public interface AgentAdapter {

    /** The adapter's name in worker specs and settings (nightshift.dispatch.agents.NAME). */
    String name();

    /** The argv, binary first. The prompt is one element: never through a shell. */
    List<String> command(String binary, AgentRequest request);

    /** A parser for one run's output: it may keep state across lines. */
    LineParser newParser();

    interface LineParser {
        Optional<AgentSignal> parse(String line);
    }
}
