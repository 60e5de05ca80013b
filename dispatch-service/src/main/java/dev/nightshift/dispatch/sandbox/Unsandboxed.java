package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain subprocess in a workspace directory with a cleared environment, and nothing else: no network
 * rules, no limits. For development where bubblewrap is missing, chosen explicitly, and said on every run.
 */
public record Unsandboxed(Path workspacesRoot, boolean keepWorkspaces) implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(Unsandboxed.class);

    @Override
    public SandboxRun open(String runId, Path template, Confinement confinement) throws IOException {
        log.warn("run {} is NOT sandboxed (nightshift.dispatch.sandbox.kind=none): the agent has this service's rights, "
                + "its network and files, and no limits", runId);
        Path workspace = Workspace.create(workspacesRoot, runId, template);
        return new SandboxRun() {
            @Override
            public Launch launch(List<String> command, Map<String, String> environment) {
                return new Launch(command, environment, workspace);
            }

            /** The agent shares the host's network: the service's own loopback port there. */
            @Override
            public String address(HostService service) throws IOException {
                return "http://127.0.0.1:" + service.hostPort();
            }

            @Override
            public String home() {
                return workspace.toString();
            }

            @Override
            public void close() {
                if (!keepWorkspaces) {
                    Workspace.deleteQuietly(workspace);
                }
            }
        };
    }
}
