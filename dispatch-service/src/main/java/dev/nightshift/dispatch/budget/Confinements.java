package dev.nightshift.dispatch.budget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.DispatchProperties.NetworkMode;
import dev.nightshift.dispatch.egress.EgressRules;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.Network;
import dev.nightshift.dispatch.sandbox.RunLimits;
import dev.nightshift.events.SandboxSpec;
import dev.nightshift.events.WorkerSpec;
import org.springframework.util.unit.DataSize;

/**
 * A worker's walls: what its spec asks for (network, allowlist, limits) within dispatch's ceiling, and
 * dispatch's defaults for whatever it leaves out.
 */
public record Confinements(DispatchProperties.Sandbox defaults, DispatchProperties.Ceiling ceiling) {

    /** Dispatch's own defaults must fit its ceiling, or every worker that names nothing would be refused. */
    public Confinements {
        if (!ceiling.networks().contains(defaults.network())) {
            throw new IllegalArgumentException("nightshift.dispatch.sandbox.network " + name(defaults.network())
                    + " is not allowed by nightshift.dispatch.ceiling.networks " + ceiling.networks());
        }
        List<String> over = new ArrayList<>();
        RunLimits d = defaults.limits().toRunLimits();
        RunLimits max = ceiling.limits().toRunLimits();
        check(over, "memory", d, max, r -> r.memory().toBytes());
        check(over, "processes", d, max, r -> (long) r.processes());
        check(over, "cpu-time", d, max, r -> r.cpuTime().toMillis());
        check(over, "file-size", d, max, r -> r.fileSize().toBytes());
        check(over, "open-files", d, max, r -> (long) r.openFiles());
        check(over, "workspace", d, max, r -> r.workspace().toBytes());
        check(over, "tmp", d, max, r -> r.tmp().toBytes());
        if (!over.isEmpty()) {
            throw new IllegalArgumentException("nightshift.dispatch.sandbox.limits: " + String.join("; ", over));
        }
    }

    /** Why this worker's sandbox may not be granted here, or empty when it may. */
    public Optional<String> refusal(WorkerSpec worker) {
        SandboxSpec s = worker.getSandbox();
        NetworkMode mode;
        try {
            mode = mode(s);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        if (!ceiling.networks().contains(mode)) {
            return Optional.of("network " + name(mode) + " is not allowed by nightshift.dispatch.ceiling.networks " + ceiling.networks());
        }
        try {
            EgressRules.check(s == null ? List.of() : s.getAllowHosts());
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        RunLimits asked = limits(s);
        List<String> notPositive = asked.notPositive();
        if (!notPositive.isEmpty()) {
            // -1 would reach the memory cgroup as "unlimited", 0 pids as no check at all
            return Optional.of("limits must be positive: " + String.join(", ", notPositive));
        }
        RunLimits max = ceiling.limits().toRunLimits();
        List<String> over = new ArrayList<>();
        check(over, "memory", asked, max, r -> r.memory().toBytes());
        check(over, "processes", asked, max, r -> (long) r.processes());
        check(over, "cpu-time", asked, max, r -> r.cpuTime().toMillis());
        check(over, "file-size", asked, max, r -> r.fileSize().toBytes());
        check(over, "open-files", asked, max, r -> (long) r.openFiles());
        check(over, "workspace", asked, max, r -> r.workspace().toBytes());
        check(over, "tmp", asked, max, r -> r.tmp().toBytes());
        return over.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", over));
    }

    /** The walls of a run of this worker; call it only for a worker without {@link #refusal}. */
    public Confinement of(WorkerSpec worker) {
        SandboxSpec s = worker.getSandbox();
        Network network = switch (mode(s)) {
            case NONE -> new Network.None();
            case HOST -> new Network.Host();
            case ALLOWLIST -> {
                List<String> hosts = new ArrayList<>(defaults.allowHosts());
                if (s != null) {
                    hosts.addAll(s.getAllowHosts());
                }
                yield new Network.Allowlist(hosts);
            }
        };
        return new Confinement(network, limits(s));
    }

    private NetworkMode mode(SandboxSpec s) {
        if (s == null || s.getNetwork() == null) {
            return defaults.network();
        }
        try {
            return NetworkMode.valueOf(s.getNetwork().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("network '" + s.getNetwork() + "' is not none, allowlist or host");
        }
    }

    private RunLimits limits(SandboxSpec s) {
        RunLimits d = defaults.limits().toRunLimits();
        if (s == null) {
            return d;
        }
        return new RunLimits(
                s.getMemoryBytes() == null ? d.memory() : DataSize.ofBytes(s.getMemoryBytes()),
                s.getProcesses() == null ? d.processes() : s.getProcesses(),
                s.getCpuTimeMillis() == null ? d.cpuTime() : Duration.ofMillis(s.getCpuTimeMillis()),
                s.getFileSizeBytes() == null ? d.fileSize() : DataSize.ofBytes(s.getFileSizeBytes()),
                s.getOpenFiles() == null ? d.openFiles() : s.getOpenFiles(),
                s.getWorkspaceBytes() == null ? d.workspace() : DataSize.ofBytes(s.getWorkspaceBytes()),
                s.getTmpBytes() == null ? d.tmp() : DataSize.ofBytes(s.getTmpBytes()));
    }

    private static void check(List<String> over, String name, RunLimits asked, RunLimits max, Function<RunLimits, Long> value) {
        if (value.apply(asked) > value.apply(max)) {
            over.add("limit " + name + " " + value.apply(asked) + " exceeds nightshift.dispatch.ceiling.limits." + name + " " + value.apply(max));
        }
    }

    private static String name(NetworkMode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
