package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * bubblewrap: new namespaces (a network only as the run's {@link Network} says), no capabilities and no
 * further user namespaces, the listed system paths read-only, the workspace and /tmp as size-bounded
 * in-memory file systems, only the environment it is given (bwrap's own environment, never on a command
 * line). The agent is a child of pid 1 in its own pid namespace
 * and dies with its parent, so nothing it started outlives it. Started as root, the agent runs as an
 * unprivileged uid. Its memory and processes are bounded by its {@link RunLimiter} (cgroups, or rlimits with
 * a uid per run slot), and it runs under a {@link SeccompFilter}.
 *
 * @param bwrap          the bwrap binary
 * @param setpriv        setpriv, when dispatch runs as root and must drop to {@code uid}; else null
 * @param socat          socat, the bridge from the sandbox's own loopback to its egress proxy socket
 * @param uid            the uid (and gid) agents run as when dropping privileges, unless their limiter gives another
 * @param readOnlyPaths  host paths mounted read-only at the same place
 * @param workspacesRoot where a kept workspace lives on the host
 * @param keepWorkspaces the workspace is a host directory kept after the run (for inspection), not bounded in size
 * @param egress         the proxy for {@link Network.Allowlist} runs
 * @param limiter        where runs get their memory and process limits
 * @param seccomp        the {@link SeccompFilter} program every agent runs under; null for none
 */
public record Bubblewrap(Path bwrap, Path setpriv, Path socat, int uid, List<Path> readOnlyPaths, Path workspacesRoot,
        boolean keepWorkspaces, EgressProxy egress, RunLimiter limiter, Path seccomp) implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(Bubblewrap.class);
    public static final String WORKSPACE = "/workspace";
    private static final String TEMPLATE = "/nightshift/template";
    private static final String EGRESS_SOCKET = "/nightshift/egress.sock";
    /** The proxy as the agent sees it: on the sandbox's own loopback, bridged to the egress socket. */
    private static final int PROXY_PORT = 3128;
    private static final String PROXY_URL = "http://127.0.0.1:" + PROXY_PORT;

    /**
     * Bubblewrap as this process can run it and as the settings say: as root, agents drop to
     * {@code run-as-uid} through setpriv and get cgroups; otherwise they run as this process's own user.
     * Empty when bwrap is not installed.
     */
    public static Optional<Bubblewrap> forThisProcess(DispatchProperties.Sandbox settings, Path workspacesRoot, boolean keepWorkspaces,
            EgressProxy egress) throws IOException {
        Optional<Path> bwrap = Executables.find("bwrap");
        if (bwrap.isEmpty()) {
            return Optional.empty();
        }
        int uid = settings.runAsUid();
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        Path setpriv = root ? Executables.require("setpriv", "to run agents as uid " + uid + " instead of root") : null;
        Path socat = Executables.require("socat", "to bridge sandboxes to their egress proxy (apt-get install -y socat)");
        Path seccomp = null;
        if (settings.seccomp()) {
            SeccompFilter.Arch arch = SeccompFilter.Arch.ofThisMachine().orElseThrow(() -> new IllegalStateException(
                    "nightshift.dispatch.sandbox.seccomp=true but no seccomp filter is known for this machine's architecture ("
                            + System.getProperty("os.arch") + "; x86_64 and aarch64 are): set it to false to run without one"));
            // read by the launcher's shell (as this process's user) before it drops privileges: private to this user
            seccomp = Files.createTempFile("nightshift-seccomp-", ".bpf", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.write(seccomp, new SeccompFilter(arch).bytes());
        }
        return Optional.of(new Bubblewrap(bwrap.get(), setpriv, socat, uid, settings.readOnlyPaths().stream().map(Path::of).toList(),
                workspacesRoot, keepWorkspaces, egress, RunLimiter.forThisProcess(settings.limitsMechanism(), root, settings.slotUidBase()), seccomp));
    }

    @Override
    public SandboxRun open(String runId, Path template, Confinement confinement) throws IOException {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            RunLimiter.Share share = limiter.take(confinement.limits());
            opened.add(share);
            int runUid = share.uid().orElse(uid);
            EgressProxy.Door door = null;
            switch (confinement.network()) {
                case Network.Allowlist a -> {
                    // a run's one host service (its model gateway door) is reached through the egress door's bridge:
                    // one socat less per run, the costliest part of starting one
                    Path relay = confinement.services().size() == 1 ? confinement.services().getFirst().socket() : null;
                    door = egress.open(runId, a.hosts(), setpriv != null ? runUid : EgressProxy.processUid(), relay);
                    opened.add(door);
                }
                case Network.Host h -> log.warn("run {} shares the host's network (network: host): the agent can reach this "
                        + "host's loopback and private networks, Nightshift's broker and registry included", runId);
                case Network.None n -> { }
            }
            for (HostService service : confinement.services()) {
                // connecting needs write permission on the socket: the run's uid only
                Path socket = service.socket();
                if (setpriv != null) {
                    Files.setAttribute(socket, "unix:uid", runUid);
                    Files.setAttribute(socket, "unix:gid", runUid);
                }
                Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            }
            Path kept = null;
            if (keepWorkspaces) {
                kept = Workspace.create(workspacesRoot, runId, template);
                chown(kept, runUid);
            }
            return new Run(this, confinement, template, kept, share, runUid, door, opened);
        } catch (IOException | RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    @Override
    public void close() {
        limiter.close();
        if (seccomp != null) {
            try {
                Files.deleteIfExists(seccomp);
            } catch (IOException e) {
                log.warn("seccomp filter {} not removed: {}", seccomp, e.getMessage());
            }
        }
    }

    private record Run(Bubblewrap bw, Confinement confinement, Path template, Path kept, RunLimiter.Share share, int uid, EgressProxy.Door door,
            List<AutoCloseable> opened) implements SandboxRun {

        @Override
        public Launch launch(List<String> command, Map<String, String> environment) {
            return bw.launch(this, command, environment);
        }

        /** Bridged to the sandbox's own loopback; an agent on the host's network uses the service's host port. */
        @Override
        public String address(HostService service) throws IOException {
            if (!confinement.services().contains(service)) {
                throw new IllegalArgumentException("not a service of this run's confinement: " + service);
            }
            if (confinement.network() instanceof Network.Host) {
                return "http://127.0.0.1:" + service.hostPort();
            }
            return "http://127.0.0.1:" + (relayed(door, service) ? PROXY_PORT : service.sandboxPort());
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
        String join = run.share().launcherCommands();
        // unset PWD: the host shell would export its own working directory into the agent's environment
        launcher.addAll(List.of("/bin/sh", "-c", "unset PWD OLDPWD && " + join
                + "ulimit -t " + Math.max(1, limits.cpuTime().toSeconds())
                + " && ulimit -f " + Math.max(1, limits.fileSize().toBytes() / 512)
                + " && ulimit -n " + limits.openFiles()
                // bwrap reads its seccomp program from a descriptor, which only a shell can give it here
                + " && exec \"$@\"" + (seccomp == null ? "" : " 3< '" + seccomp + "'"), "nightshift-limits"));
        if (setpriv != null) {
            launcher.addAll(List.of(setpriv.toString(), "--reuid=" + run.uid(), "--regid=" + run.uid(), "--clear-groups"));
        }
        launcher.addAll(List.of(bwrap.toString(), "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user",
                "--disable-userns", "--cap-drop", "ALL"));
        if (seccomp != null) {
            launcher.addAll(List.of("--seccomp", "3"));
        }
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
        StringBuilder prelude = new StringBuilder(run.share() instanceof UidSlots.Slot slot ? slot.sandboxCommands() : "");
        // the agent's environment is bwrap's own, which it passes on: a value on the command line would be in
        // /proc/PID/cmdline for anyone to read, inside the sandbox (its pid 1) and on the host (ps)
        Map<String, String> env = new HashMap<>(environment);
        Map<Integer, String> bridged = new LinkedHashMap<>();
        if (run.door() != null) {
            bridged.put(PROXY_PORT, bind(launcher, run.door().socket(), EGRESS_SOCKET));
            for (String name : List.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")) {
                env.put(name, PROXY_URL);
            }
            // the host services are on the sandbox's own loopback, never through the proxy
            env.put("NO_PROXY", "127.0.0.1,localhost");
            env.put("no_proxy", "127.0.0.1,localhost");
        }
        if (!(run.confinement().network() instanceof Network.Host)) {
            for (HostService service : run.confinement().services()) {
                if (relayed(run.door(), service)) {
                    continue;
                }
                bridged.put(service.sandboxPort(), bind(launcher, service.socket(), "/nightshift/service-" + service.sandboxPort() + ".sock"));
            }
        }
        LoopbackBridges bridges = new LoopbackBridges(socat, bridged, LoopbackBridges.PATIENCE_SECONDS);
        // the bridges start first and the workspace is filled while they do
        prelude.append(bridges.start());
        if (run.kept() != null) {
            launcher.addAll(List.of("--bind", run.kept().toString(), WORKSPACE));
        } else {
            launcher.addAll(List.of("--size", Long.toString(limits.workspace().toBytes()), "--tmpfs", WORKSPACE));
            if (run.template() != null) {
                launcher.addAll(List.of("--ro-bind", run.template().toString(), TEMPLATE));
                // -P: links are copied as links (inside the sandbox they lead nowhere of the host's anyway)
                prelude.append("cp -RP ").append(TEMPLATE).append("/. ").append(WORKSPACE).append("/ && ");
            }
        }
        launcher.addAll(List.of("--chdir", WORKSPACE));
        prelude.append(bridges.awaitListening());
        launcher.add("--");
        return new Launch(launcher, prelude.toString(), false, command, Map.copyOf(env),
                run.kept() != null ? run.kept() : Path.of("/"), null);
    }

    /** Whether the run's egress door hands the service's requests on, so it has no bridge of its own. */
    private static boolean relayed(EgressProxy.Door door, HostService service) {
        return door != null && door.relay().filter(service.socket()::equals).isPresent();
    }

    /** Binds a host socket into the sandbox at {@code inside}, for a {@link LoopbackBridges} bridge. */
    private static String bind(List<String> launcher, Path socket, String inside) {
        launcher.addAll(List.of("--bind", socket.toString(), inside));
        return inside;
    }

    private void chown(Path workspace, int uid) throws IOException {
        if (setpriv == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(workspace)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                // the link itself: following it, root would hand its target (anything on the host) to the agent
                Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
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
