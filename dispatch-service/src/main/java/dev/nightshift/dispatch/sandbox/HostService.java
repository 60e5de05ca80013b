package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A service on the host that one run's agent reaches over HTTP on its own loopback (the model gateway):
 * the sandbox binds the run's socket in, gives it to the run's uid, and bridges it to a loopback port.
 */
public interface HostService {

    /** The run's Unix socket on the host. */
    Path socket();

    /** The loopback port the agent reaches the service on inside a sandbox that has a network of its own. */
    int sandboxPort();

    /** A port on the host's loopback, for an agent that shares the host's network; opened on the first call. */
    int hostPort() throws IOException;
}
