package dev.nightshift.bench;

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
        try (EgressProxy egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry())) {
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
            List<Double> bwrapAlone = new ArrayList<>();
            List<Double> bare = new ArrayList<>();
            List<Double> sandboxedNone = new ArrayList<>();
            List<Double> sandboxedAllowlist = new ArrayList<>();
            for (int i = 0; i < WARM_UP + RUNS; i++) {
                boolean counted = i >= WARM_UP;
                double b = timed(() -> agents.run(new Launch(noop, env, root), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { }));
                double w = timed(() -> agents.run(new Launch(bwrapOnly, env, root), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { }));
                double n = timed(() -> sandboxed(agents, sandbox, none, noop, env));
                double a = timed(() -> sandboxed(agents, sandbox, allowlist, noop, env));
                if (counted) {
                    bare.add(b);
                    bwrapAlone.add(w);
                    sandboxedNone.add(n);
                    sandboxedAllowlist.add(a);
                }
            }
            report.append(BenchEnvironment.header("Sandbox benchmark"))
                    .append("- setup: ").append(RUNS).append(" runs of each, interleaved, after ").append(WARM_UP).append(" warm-up rounds; ")
                    .append(sandbox.setpriv() != null ? "as root (setpriv to uid 65534)" : "not root").append(", per-run limits: ")
                    .append(sandbox.limiter().describe()).append("; dispatch's default limits\n\n")
                    .append("| no-op agent (/bin/true), ms per run | mean | p50 | p99 | more than bare (mean) | ratio to bare (mean) |\n")
                    .append("|---|---|---|---|---|---|\n");
            row(report, "bare (setsid + agent)", bare, bare);
            row(report, "bwrap alone (setpriv, namespaces, mounts; no limits, cgroups, gate)", bwrapAlone, bare);
            row(report, "sandboxed, network none", sandboxedNone, bare);
            row(report, "sandboxed, network allowlist (egress door, socat bridge)", sandboxedAllowlist, bare);
            report.append("\nTarget: under 5 ms more per run than bare.\n");
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

    private static double timed(Run run) throws Exception {
        long start = System.nanoTime();
        run.run();
        return (System.nanoTime() - start) / 1e6;
    }

    private static void row(StringBuilder report, String name, List<Double> values, List<Double> bare) {
        List<Double> sorted = values.stream().sorted().toList();
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double bareMean = bare.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        report.append("| ").append(name)
                .append(" | ").append("%.2f".formatted(mean))
                .append(" | ").append("%.2f".formatted(sorted.get(sorted.size() / 2)))
                .append(" | ").append("%.2f".formatted(sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1)))
                .append(" | ").append("%+.2f".formatted(mean - bareMean))
                .append(" | ").append("%.2f".formatted(mean / bareMean)).append(" |\n");
    }
}
