package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;

/** Where agents run: each run sees its own workspace, the environment it is given, and nothing of Nightshift's. */
public sealed interface Sandbox extends AutoCloseable permits Bubblewrap, Unsandboxed {

    /**
     * Sets up one run's sandbox: its workspace, its way out (if its network has one), its limits.
     *
     * @param template the worker's working-directory template, copied into the workspace; null for none
     */
    SandboxRun open(String runId, Path template, Confinement confinement) throws IOException;

    /** Lets go of what runs shared (kept cgroups); runs still going are not touched. */
    @Override
    default void close() {
    }
}
