package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Where an agent runs: it sees its workspace, the environment it is given, and nothing of Nightshift's. */
public sealed interface Sandbox permits Bubblewrap, Unsandboxed {

    /** Makes the workspace usable from inside (ownership), before the agent starts. */
    void prepare(Path workspace) throws IOException;

    /**
     * @param command     the agent's argv, binary first (an absolute path)
     * @param workspace   the run's fresh workspace on the host
     * @param environment the whole environment the agent gets
     */
    Launch launch(List<String> command, Path workspace, Map<String, String> environment);

    /** The agent's working directory as the agent sees it. */
    String workspaceInside(Path workspace);
}
