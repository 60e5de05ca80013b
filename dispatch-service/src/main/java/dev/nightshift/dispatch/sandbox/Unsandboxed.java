package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A plain subprocess in the workspace with a cleared environment: for development where bubblewrap is missing. */
public record Unsandboxed() implements Sandbox {

    @Override
    public void prepare(Path workspace) {
    }

    @Override
    public Launch launch(List<String> command, Path workspace, Map<String, String> environment) {
        return new Launch(command, environment, workspace);
    }

    @Override
    public String workspaceInside(Path workspace) {
        return workspace.toString();
    }
}
