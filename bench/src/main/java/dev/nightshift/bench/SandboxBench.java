package dev.nightshift.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Bubblewrap;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.HostService;
import dev.nightshift.dispatch.sandbox.Launch;
import dev.nightshift.dispatch.sandbox.Network;
import dev.nightshift.dispatch.sandbox.SandboxRun;
import dev.nightshift.dispatch.sandbox.Workspace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The sandbox's cost per run: a no-op agent ({@code /bin/true}) started bare (setsid and the agent, as
 * AgentProcess starts anything) against the same agent through the whole production path: the run's
 * sandbox opened (cgroups, egress door), the limits shell, setpriv, bwrap, the prelude and the gate,
 * then closed. Interleaved in one run, so both see the same machine. Needs bwrap; run as root it
 * includes setpriv and the cgroups, as production does.
 */
public final class SandboxBench {

    private static final int WARM_UP = 30;
    private static final int RUNS = 300;

    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "bench/results");
        Path root = Files.createTempDirectory(Path.of("/tmp"), "ns-bench-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Map<String, String> settings = new HashMap<>();
        settings.put("nightshift.dispatch.workspaces-root", root.toString());
        settings.put("nightshift.dispatch.agents.claude.binary", "claude");
        DispatchProperties properties = new Binder(new MapConfigurationPropertySource(settings)).bind("nightshift.dispatch", DispatchProperties.class).get();
        AgentProcess agents = AgentProcess.fromPath();
        List<String> noop = List.of("/bin/true");
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");

        StringBuilder report = new StringBuilder();
        Path socket = root.resolve("gateway.sock");
        try (EgressProxy egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry());
                ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(socket));
            HostService door = new IdleService(socket, 4000);
            Bubblewrap sandbox = Bubblewrap.forThisProcess(properties.sandbox(), root, false, egress)
                    .orElseThrow(() -> new IllegalStateException("bwrap is not installed"));
            Confinement none = new Confinement(new Network.None(), properties.sandbox().limits().toRunLimits());
            Confinement allowlist = new Confinement(new Network.Allowlist(properties.sandbox().allowHosts()), properties.sandbox().limits().toRunLimits());

            // the floor: bubblewrap alone with the same namespaces and mounts, no limits, cgroups, gate or egress
            List<String> bwrapOnly = new ArrayList<>();
            if (sandbox.setpriv() != null) {
                bwrapOnly.addAll(List.of(sandbox.setpriv().toString(), "--reuid=65534", "--regid=65534", "--clear-groups"));
            }
            bwrapOnly.addAll(List.of(sandbox.bwrap().toString(), "--die-with-parent", "--new-session", "--unshare-all", "--unshare-user",
                    "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/bin", "/bin", "--ro-bind-try", "/lib", "/lib", "--ro-bind-try", "/lib64", "/lib64",
                    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/workspace", "--chdir", "/workspace", "--clearenv", "--"));
            bwrapOnly.addAll(noop);
            Variant bare = new Variant("bare (setsid + agent)",
                    () -> agents.run(new Launch(noop, env, root), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { }));
            Variant bwrapAlone = new Variant("bwrap alone (setpriv, namespaces, mounts; no limits, cgroups, gate)",
                    () -> agents.run(new Launch(bwrapOnly, env, root), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { }));
            Variant sandboxedNone = new Variant("sandboxed, network none", () -> sandboxed(agents, sandbox, none, noop, env));
            Variant sandboxedAllowlist = new Variant("sandboxed, network allowlist (egress door, socat bridge)",
                    () -> sandboxed(agents, sandbox, allowlist, noop, env));
            Variant asAgentsRun = new Variant("sandboxed as agents run (allowlist and a model gateway door; one bridge since the egress door relays to the gateway, two before)",
                    () -> sandboxed(agents, sandbox, allowlist.withServices(List.of(door)), noop, env));
            List<Variant> variants = List.of(bare, bwrapAlone, sandboxedNone, sandboxedAllowlist, asAgentsRun);
            for (int i = 0; i < WARM_UP + RUNS; i++) {
                for (Variant v : variants) {
                    v.measure(i >= WARM_UP);
                }
            }
            report.append(BenchEnvironment.header("Sandbox benchmark"))
                    .append("- setup: ").append(RUNS).append(" runs of each, interleaved, after ").append(WARM_UP).append(" warm-up rounds; ")
                    .append(sandbox.setpriv() != null ? "as root (setpriv to uid 65534)" : "not root").append(", per-run limits: ")
                    .append(sandbox.limiter().describe()).append("; dispatch's default limits\n\n")
                    .append("| no-op agent (/bin/true), ms per run | mean | p50 | p99 | more than bare (mean) | ratio to bare (mean)"
                            + " | CPU of the machine (mean) | of which this JVM (mean) |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            variants.forEach(v -> v.row(report, bare));
            report.append("\nNo target (issue 20 withdrew \"under 5 ms more than bare\"). The CPU columns are what a run start costs a"
                    + " machine that starts many: the whole machine's busy time during the run (/proc/stat: every process, the kernel,"
                    + " and whatever else ran meanwhile on an otherwise idle machine), and this JVM's own (process start, pipes, the"
                    + " egress proxy).\n");
        } finally {
            Workspace.delete(root);
        }
        Files.createDirectories(results);
        Path file = results.resolve(LocalDate.now() + "-" + BenchEnvironment.shell("git rev-parse --short HEAD") + "-sandbox.md");
        Files.writeString(file, report);
        System.out.println(report);
        System.out.println("written to " + file.toAbsolutePath().normalize());
    }

    /** One run as dispatch makes it: open, launch behind the gate, let it through at once, close. */
    private static AgentProcess.Exit sandboxed(AgentProcess agents, Bubblewrap sandbox, Confinement confinement, List<String> agent,
            Map<String, String> env) throws Exception {
        try (SandboxRun run = sandbox.open(UUID.randomUUID().toString(), null, confinement)) {
            AgentProcess.Exit exit = agents.run(run.launch(agent, env).gated(), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { },
                    new CompletableFuture<>(), CompletableFuture.completedFuture(null));
            if (exit.exitCode() == null || exit.exitCode() != 0) {
                throw new IllegalStateException("the sandboxed no-op failed: " + exit);
            }
            return exit;
        }
    }

    private interface Run {
        AgentProcess.Exit run() throws Exception;
    }

    /** One way of starting the no-op, with its wall-clock times and the CPU its runs cost. */
    private static final class Variant {
        private final String name;
        private final Run run;
        private final List<Double> millis = new ArrayList<>();
        private long machineNanos;
        private long ownNanos;

        Variant(String name, Run run) {
            this.name = name;
            this.run = run;
        }

        void measure(boolean counted) throws Exception {
            long machine = machineCpuNanos();
            long own = ownCpuNanos();
            long start = System.nanoTime();
            run.run();
            double took = (System.nanoTime() - start) / 1e6;
            if (counted) {
                millis.add(took);
                machineNanos += machineCpuNanos() - machine;
                ownNanos += ownCpuNanos() - own;
            }
        }

        double mean() {
            return millis.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        }

        void row(StringBuilder report, Variant bare) {
            List<Double> sorted = millis.stream().sorted().toList();
            report.append("| ").append(name)
                    .append(" | ").append("%.2f".formatted(mean()))
                    .append(" | ").append("%.2f".formatted(sorted.get(sorted.size() / 2)))
                    .append(" | ").append("%.2f".formatted(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)))
                    .append(" | ").append("%+.2f".formatted(mean() - bare.mean()))
                    .append(" | ").append("%.2f".formatted(mean() / bare.mean()))
                    .append(" | ").append("%.2f ms".formatted(machineNanos / 1e6 / millis.size()))
                    .append(" | ").append("%.2f ms".formatted(ownNanos / 1e6 / millis.size())).append(" |\n");
        }
    }

    /**
     * The machine's busy CPU time, every process and the kernel: /proc/stat's first line less idle and iowait, in
     * clock ticks of 10 ms (so a single run's figure is coarse; their mean over hundreds is not). What the run
     * leaves behind in its namespace (the bridges, killed with it) is counted here and nowhere else.
     */
    private static long machineCpuNanos() throws IOException {
        String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i <= 8; i++) { // user nice system idle iowait irq softirq steal
            if (i != 4 && i != 5) {
                busy += Long.parseLong(fields[i]);
            }
        }
        return busy * 10_000_000L;
    }

    private static long ownCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }

    /** A host service's socket that accepts nothing: the bridge to it is set up per run, which is the cost measured. */
    private record IdleService(Path socket, int sandboxPort) implements HostService {
        @Override
        public int hostPort() {
            throw new UnsupportedOperationException("the bench's sandboxes have a network of their own");
        }
    }
}
