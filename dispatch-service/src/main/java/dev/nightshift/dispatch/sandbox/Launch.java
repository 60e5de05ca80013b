package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to start one agent process: the full argv, its environment, its working directory.
 *
 * @param wrapped the process started is a launcher (a sandbox) around the agent, not the agent itself
 */
public record Launch(List<String> argv, Map<String, String> environment, Path directory, boolean wrapped) {

    /** The agent itself, started directly. */
    public Launch(List<String> argv, Map<String, String> environment, Path directory) {
        this(argv, environment, directory, false);
    }
}
