package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nightshift.dispatch.egress.EgressProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bubblewrap: new namespaces (a network only as the run's {@link Network} says), no capabilities and no
 * further user namespaces, the listed system paths read-only, the workspace and /tmp as size-bounded
 * in-memory file systems, a cleared environment. The agent is a child of pid 1 in its own pid namespace
 * and dies with its parent, so nothing it started outlives it. Started as root, the agent runs as an
 * unprivileged uid, inside its run's cgroups (memory, processes) where those are writable.
 *
 * @param bwrap          the bwrap binary
 * @param setpriv        setpriv, when dispatch runs as root and must drop to {@code uid}; else null
 * @param socat          socat, the bridge from the sandbox's own loopback to its egress proxy socket
 * @param uid            the uid (and gid) agents run as when dropping privileges
 * @param readOnlyPaths  host paths mounted read-only at the same place
 * @param workspacesRoot where a kept workspace lives on the host
 * @param keepWorkspaces the workspace is a host directory kept after the run (for inspection), not bounded in size
 * @param egress         the proxy for {@link Network.Allowlist} runs
 * @param cgroups        where runs get their memory and process limits; null where cgroups are not writable
 */
public record Bubblewrap(Path bwrap, Path setpriv, Path socat, int uid, List<Path> readOnlyPaths, Path workspacesRoot,
        boolean keepWorkspaces, EgressProxy egress, RunCgroups cgroups) implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(Bubblewrap.class);
    public static final String WORKSPACE = "/workspace";
    private static final String TEMPLATE = "/nightshift/template";
    private static final String EGRESS_SOCKET = "/nightshift/egress.sock";
    /** The proxy as the agent sees it: on the sandbox's own loopback, bridged to the egress socket. */
    private static final int PROXY_PORT = 3128;
    private static final String PROXY_URL = "http://127.0.0.1:" + PROXY_PORT;

    /**
     * Bubblewrap as this process can run it: as root, agents drop to {@code uid} through setpriv and get
     * cgroups; otherwise they run as this process's own user. Empty when bwrap is not installed.
     */
    public static Optional<Bubblewrap> forThisProcess(int uid, List<Path> readOnlyPaths, Path workspacesRoot, boolean keepWorkspaces,
            EgressProxy egress) throws IOException {
        Optional<Path> bwrap = Executables.find("bwrap");
        if (bwrap.isEmpty()) {
            return Optional.empty();
        }
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        Path setpriv = root ? Executables.require("setpriv", "to run agents as uid " + uid + " instead of root") : null;
        Path socat = Executables.require("socat", "to bridge sandboxes to their egress proxy (apt-get install -y socat)");
        return Optional.of(new Bubblewrap(bwrap.get(), setpriv, socat, uid, readOnlyPaths, workspacesRoot, keepWorkspaces, egress,
                RunCgroups.forThisProcess().orElse(null)));
    }

    @Override
    public SandboxRun open(String runId, Path template, Confinement confinement) throws IOException {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            RunCgroup cgroup = cgroups == null ? null : cgroups.take(confinement.limits());
            if (cgroup != null) {
                opened.add(cgroup);
            }
            EgressProxy.Door door = null;
            switch (confinement.network()) {
                case Network.Allowlist a -> {
                    door = egress.open(runId, a.hosts(), setpriv != null ? uid : EgressProxy.processUid());
                    opened.add(door);
                }
                case Network.Host h -> log.warn("run {} shares the host's network (network: host): the agent can reach this "
                        + "host's loopback and private networks, Nightshift's broker and registry included", runId);
                case Network.None n -> { }
            }
            Path kept = null;
            if (keepWorkspaces) {
                kept = Workspace.create(workspacesRoot, runId, template);
                chown(kept);
            }
            return new Run(this, confinement, template, kept, cgroup, door, opened);
        } catch (IOException | RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    @Override
    public void close() {
        if (cgroups != null) {
            cgroups.close();
        }
    }

    private record Run(Bubblewrap bw, Confinement confinement, Path template, Path kept, RunCgroup cgroup, EgressProxy.Door door,
            List<AutoCloseable> opened) implements SandboxRun {

        @Override
        public Launch launch(List<String> command, Map<String, String> environment) {
            return bw.launch(this, command, environment);
        }

        @Override
        public String home() {
            return WORKSPACE;
        }

        /** A kept workspace stays; an in-memory one went with the sandbox. */
        @Override
        public void close() {
            closeAll(opened);
        }
    }

    private Launch launch(Run run, List<String> command, Map<String, String> environment) {
        RunLimits limits = run.confinement().limits();
        List<String> launcher = new ArrayList<>();
        // limits are set (and cgroups joined) before anything of the run exists, so all of it inherits them
        String join = run.cgroup() == null ? "" : run.cgroup().joinCommands();
        launcher.addAll(List.of("/bin/sh", "-c", join
                + "ulimit -t " + Math.max(1, limits.cpuTime().toSeconds())
                + " && ulimit -f " + Math.max(1, limits.fileSize().toBytes() / 512)
                + " && ulimit -n " + limits.openFiles()
                + " && exec \"$@\"", "nightshift-limits"));
        if (setpriv != null) {
            launcher.addAll(List.of(setpriv.toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        }
        launcher.addAll(List.of(bwrap.toString(), "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user",
                "--disable-userns", "--cap-drop", "ALL"));
        if (run.confinement().network() instanceof Network.Host) {
            launcher.add("--share-net");
        }
        for (Path p : readOnlyPaths) {
            launcher.addAll(List.of("--ro-bind-try", p.toString(), p.toString()));
        }
        // the private /tmp first: a later bind under /tmp would otherwise be hidden by it
        launcher.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--size", Long.toString(limits.tmp().toBytes()), "--tmpfs", "/tmp"));
        // the agent binary may live outside the system paths (npm prefix, a test's script)
        Path binaryDir = Path.of(command.getFirst()).getParent();
        if (readOnlyPaths.stream().noneMatch(binaryDir::startsWith)) {
            launcher.addAll(List.of("--ro-bind", binaryDir.toString(), binaryDir.toString()));
        }
        StringBuilder prelude = new StringBuilder();
        if (run.kept() != null) {
            launcher.addAll(List.of("--bind", run.kept().toString(), WORKSPACE));
        } else {
            launcher.addAll(List.of("--size", Long.toString(limits.workspace().toBytes()), "--tmpfs", WORKSPACE));
            if (run.template() != null) {
                launcher.addAll(List.of("--ro-bind", run.template().toString(), TEMPLATE));
                prelude.append("cp -R ").append(TEMPLATE).append("/. ").append(WORKSPACE).append("/ && ");
            }
        }
        launcher.addAll(List.of("--chdir", WORKSPACE, "--clearenv"));
        environment.forEach((k, v) -> launcher.addAll(List.of("--setenv", k, v)));
        if (run.door() != null) {
            launcher.addAll(List.of("--bind", run.door().socket().toString(), EGRESS_SOCKET));
            for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")) {
                launcher.addAll(List.of("--setenv", name, PROXY_URL));
            }
            // the bridge listens before the agent may start: a hex address:port in LISTEN state (0A) in /proc/net/tcp
            prelude.append(socat).append(" TCP-LISTEN:").append(PROXY_PORT).append(",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:")
                    .append(EGRESS_SOCKET).append(" & until grep -q ' 0100007F:").append("%04X".formatted(PROXY_PORT))
                    .append(" 00000000:0000 0A' /proc/net/tcp; do sleep 0.001; done && ");
        }
        launcher.add("--");
        // bwrap gets the minimal environment it needs itself; the agent's is set by --setenv
        return new Launch(launcher, prelude.toString(), false, command, Map.of("PATH", "/usr/bin:/bin"),
                run.kept() != null ? run.kept() : Path.of("/"), null);
    }

    private void chown(Path workspace) throws IOException {
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

    private static void closeAll(List<AutoCloseable> opened) {
        for (AutoCloseable c : opened.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("sandbox clean-up: {}", e.getMessage());
            }
        }
    }
}
