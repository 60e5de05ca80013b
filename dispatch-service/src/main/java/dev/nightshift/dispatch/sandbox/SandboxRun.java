package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** One run's sandbox, set up. Closing it removes what the run left: workspace, network door, cgroups. */
public interface SandboxRun extends AutoCloseable {

    /**
     * @param command     the agent's argv, binary first (an absolute path)
     * @param environment the whole environment the agent gets
     */
    Launch launch(List<String> command, Map<String, String> environment);

    /** Where the agent reaches one of its confinement's {@link HostService}s: {@code http://127.0.0.1:PORT}. */
    String address(HostService service) throws IOException;

    /** The agent's working directory (its workspace) as the agent sees it. */
    String home();

    @Override
    void close();
}
