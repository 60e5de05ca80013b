package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How to start one agent process.
 *
 * @param launcher    what runs first and ends up running the agent (a sandbox); empty when the agent is started directly
 * @param prelude     shell commands run just before the agent, where the agent runs (inside the sandbox); may be empty
 * @param waitsForGo  the agent waits for one line on stdin before it starts; see {@link AgentProcess#run}'s {@code go}
 * @param agent       the agent's own argv, binary first
 * @param environment the environment of the first process
 * @param directory   the first process's working directory
 * @param input       what the agent reads on stdin (a prompt); null for nothing
 * @param postlude    shell commands run where the agent ran, after it ended by itself (not when it is stopped),
 *                    in its working directory, where {@value #STARTED} marks when it started; may be empty
 */
public record Launch(List<String> launcher, String prelude, boolean waitsForGo, List<String> agent, Map<String, String> environment,
        Path directory, String input, String postlude) {

    /** A file in the working directory, made just before the agent starts: what is newer, the agent wrote. */
    public static final String STARTED = ".nightshift-started";

    public Launch(List<String> launcher, String prelude, boolean waitsForGo, List<String> agent, Map<String, String> environment,
            Path directory, String input) {
        this(launcher, prelude, waitsForGo, agent, environment, directory, input, "");
    }

    /** The agent itself, started directly. */
    public Launch(List<String> agent, Map<String, String> environment, Path directory) {
        this(List.of(), "", false, agent, environment, directory, null);
    }

    /** The same launch with this on the agent's stdin. */
    public Launch withInput(String text) {
        return new Launch(launcher, prelude, waitsForGo, agent, environment, directory, text, postlude);
    }

    /** The same launch with these commands after the agent (what the agent wrote is read there, inside its sandbox). */
    public Launch withPostlude(String commands) {
        return new Launch(launcher, prelude, waitsForGo, agent, environment, directory, input, commands);
    }

    /** The process started is a launcher around the agent, not the agent itself. */
    public boolean wrapped() {
        return !launcher.isEmpty();
    }

    /**
     * The same launch with the agent behind a gate: it execs only once a line arrives on its stdin, so the
     * launcher (the sandbox) is set up while the run's lease is still being written.
     */
    public Launch gated() {
        return new Launch(launcher, prelude, true, agent, environment, directory, input, postlude);
    }

    /** The whole command line: launcher, one shell for the prelude, the gate and the postlude when there are any, the agent. */
    public List<String> argv() {
        List<String> argv = new ArrayList<>(launcher);
        String before = prelude + (waitsForGo ? "read -r go && " : "");
        if (!postlude.isEmpty()) {
            // the shell stays to run the postlude, and ends with the agent's status
            argv.addAll(List.of("/bin/sh", "-c", before + ": > " + STARTED + " || exit 1; \"$@\"; status=$?; " + postlude + "; exit $status",
                    "nightshift-agent"));
        } else if (!before.isEmpty()) {
            argv.addAll(List.of("/bin/sh", "-c", before + "exec \"$@\"", "nightshift-agent"));
        }
        argv.addAll(agent);
        return argv;
    }
}
