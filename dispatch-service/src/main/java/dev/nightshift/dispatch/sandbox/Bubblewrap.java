package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * bubblewrap: new namespaces (no network unless granted), the host's system directories read-only,
 * the workspace read-write at /workspace, a private /tmp, a cleared environment. The agent is pid 1's
 * child in its own pid namespace and dies with its parent, so killing the launcher ends every process
 * the agent started. Started as root, the agent runs as an unprivileged uid.
 *
 * @param bwrap         the bwrap binary
 * @param setpriv       setpriv, when dispatch runs as root and must drop to {@code uid}; else null
 * @param uid           the uid (and gid) agents run as when dropping privileges
 * @param network       whether agents get the host's network
 * @param readOnlyPaths host paths mounted read-only at the same place
 */
public record Bubblewrap(Path bwrap, Path setpriv, int uid, boolean network, List<Path> readOnlyPaths) implements Sandbox {

    public static final String WORKSPACE = "/workspace";

    /**
     * Bubblewrap as this process can run it: as root, agents drop to {@code uid} through setpriv;
     * otherwise they run as this process's own unprivileged user. Empty when bwrap is not installed.
     */
    public static Optional<Bubblewrap> forThisProcess(int uid, boolean network, List<Path> readOnlyPaths) throws IOException {
        Optional<Path> bwrap = Executables.find("bwrap");
        if (bwrap.isEmpty()) {
            return Optional.empty();
        }
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        Path setpriv = root ? Executables.require("setpriv", "to run agents as uid " + uid + " instead of root") : null;
        return Optional.of(new Bubblewrap(bwrap.get(), setpriv, uid, network, readOnlyPaths));
    }

    @Override
    public void prepare(Path workspace) throws IOException {
        if (setpriv == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(workspace)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.setAttribute(p, "unix:uid", uid);
                Files.setAttribute(p, "unix:gid", uid);
            }
        }
    }

    @Override
    public Launch launch(List<String> command, Path workspace, Map<String, String> environment) {
        List<String> argv = new ArrayList<>();
        if (setpriv != null) {
            argv.addAll(List.of(setpriv.toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        }
        argv.addAll(List.of(bwrap.toString(), "--die-with-parent", "--new-session", "--unshare-all"));
        if (network) {
            argv.add("--share-net");
        }
        for (Path p : readOnlyPaths) {
            argv.addAll(List.of("--ro-bind-try", p.toString(), p.toString()));
        }
        // the private /tmp first: a later bind under /tmp would otherwise be hidden by it
        argv.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
        // the agent binary may live outside the system paths (npm prefix, a test's script)
        Path binaryDir = Path.of(command.getFirst()).getParent();
        if (readOnlyPaths.stream().noneMatch(binaryDir::startsWith)) {
            argv.addAll(List.of("--ro-bind", binaryDir.toString(), binaryDir.toString()));
        }
        argv.addAll(List.of("--bind", workspace.toString(), WORKSPACE, "--chdir", WORKSPACE, "--clearenv"));
        environment.forEach((k, v) -> argv.addAll(List.of("--setenv", k, v)));
        argv.add("--");
        int agentAt = argv.size();
        argv.addAll(command);
        // bwrap gets the minimal environment it needs itself; the agent's is set by --setenv
        return new Launch(argv, Map.of("PATH", "/usr/bin:/bin"), workspace, agentAt);
    }

    @Override
    public String workspaceInside(Path workspace) {
        return WORKSPACE;
    }
}
