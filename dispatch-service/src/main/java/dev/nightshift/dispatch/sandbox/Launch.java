package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to start one agent process: the full argv, its environment, its working directory.
 *
 * @param agentAt where the agent's own argv starts in {@code argv}: 0 when the agent is started directly,
 *                later when a launcher (a sandbox) comes first
 */
public record Launch(List<String> argv, Map<String, String> environment, Path directory, int agentAt) {

    /** The agent itself, started directly. */
    public Launch(List<String> argv, Map<String, String> environment, Path directory) {
        this(argv, environment, directory, 0);
    }

    /** The process started is a launcher around the agent, not the agent itself. */
    public boolean wrapped() {
        return agentAt > 0;
    }

    /**
     * The same launch with the agent behind a gate: a shell that execs it only once a line arrives on its
     * stdin. The launcher (the sandbox) is set up meanwhile; see {@link AgentProcess#run}'s {@code go}.
     */
    public Launch gated() {
        List<String> gated = new ArrayList<>(argv.subList(0, agentAt));
        gated.addAll(List.of("/bin/sh", "-c", "read -r go && exec \"$@\"", "nightshift-gate"));
        gated.addAll(argv.subList(agentAt, argv.size()));
        return new Launch(gated, environment, directory, agentAt);
    }
}
