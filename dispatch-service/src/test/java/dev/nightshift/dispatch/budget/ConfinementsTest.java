package dev.nightshift.dispatch.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.Network;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import dev.nightshift.events.AgentSpec;
import dev.nightshift.events.Budget;
import dev.nightshift.events.OutputSinks;
import dev.nightshift.events.SandboxSpec;
import dev.nightshift.events.WorkerSpec;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class ConfinementsTest {

    private final DispatchProperties properties = Sandboxes.properties(Path.of("/tmp/ws"), Map.of(
            "nightshift.dispatch.ceiling.networks", "none,allowlist"));
    private final Confinements confinements = new Confinements(properties.sandbox(), properties.ceiling());

    @Test
    void aWorkerThatSaysNothingGetsAnEmptyAllowlistAndTheDefaultLimits() {
        Confinement c = confinements.of(worker(null));

        // the model APIs are not on it: agents reach them through the model gateway only
        assertThat(c.network()).isEqualTo(new Network.Allowlist(List.of()));
        assertThat(c.limits()).isEqualTo(properties.sandbox().limits().toRunLimits());
        assertThat(c.limits().memory()).isEqualTo(DataSize.ofGigabytes(4));
    }

    @Test
    void aWorkersHostsAreAddedToDispatchsAndItsLimitsReplaceTheDefaults() {
        Confinement c = new Confinements(Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.sandbox.allow-hosts", "pypi.org"))
                .sandbox(), properties.ceiling()).of(worker(SandboxSpec.newBuilder().setAllowHosts(List.of("github.com"))
                .setMemoryBytes(DataSize.ofGigabytes(1).toBytes()).setCpuTimeMillis(60_000L).build()));

        assertThat(c.network()).isEqualTo(new Network.Allowlist(List.of("pypi.org", "github.com")));
        assertThat(c.limits().memory()).isEqualTo(DataSize.ofGigabytes(1));
        assertThat(c.limits().cpuTime()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.limits().processes()).isEqualTo(512);
    }

    @Test
    void noneIsNoNetwork() {
        assertThat(confinements.of(worker(SandboxSpec.newBuilder().setNetwork("none").build())).network()).isEqualTo(new Network.None());
    }

    @Test
    void whatTheCeilingDoesNotAllowIsRefusedNamingTheSetting() {
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setNetwork("host").build())))
                .hasValueSatisfying(r -> assertThat(r).contains("network host").contains("nightshift.dispatch.ceiling.networks"));
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setNetwork("wifi").build())))
                .hasValueSatisfying(r -> assertThat(r).contains("'wifi'"));
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setMemoryBytes(DataSize.ofGigabytes(64).toBytes()).build())))
                .hasValueSatisfying(r -> assertThat(r).contains("nightshift.dispatch.ceiling.limits.memory"));
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setAllowHosts(List.of("a b")).build())))
                .hasValueSatisfying(r -> assertThat(r).contains("'a b'"));
        assertThat(confinements.refusal(worker(null))).isEmpty();
    }

    @Test
    void theDefaultCeilingAllowsNoNetworkAndTheAllowlistButNotTheHostsNetwork() {
        DispatchProperties defaults = Sandboxes.properties(Path.of("/tmp/ws"), Map.of());
        assertThat(defaults.ceiling().networks()).containsExactly(DispatchProperties.NetworkMode.NONE, DispatchProperties.NetworkMode.ALLOWLIST);
        Confinements byDefault = new Confinements(defaults.sandbox(), defaults.ceiling());
        assertThat(byDefault.refusal(worker(SandboxSpec.newBuilder().setNetwork("host").build())))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo("network host is not allowed by nightshift.dispatch.ceiling.networks [NONE, ALLOWLIST]"));
        assertThat(byDefault.refusal(worker(SandboxSpec.newBuilder().setNetwork("none").build()))).isEmpty();
        assertThat(byDefault.refusal(worker(SandboxSpec.newBuilder().setNetwork("allowlist").build()))).isEmpty();

        DispatchProperties withHost = Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.ceiling.networks", "none,allowlist,host"));
        assertThat(new Confinements(withHost.sandbox(), withHost.ceiling()).of(worker(SandboxSpec.newBuilder().setNetwork("host").build())).network())
                .isEqualTo(new Network.Host());
    }

    @Test
    void aLimitThatIsNotPositiveIsRefusedNotTakenAsUnlimited() {
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setMemoryBytes(-1L).build())))
                .hasValueSatisfying(r -> assertThat(r).isEqualTo("limits must be positive: memory -1B"));
        assertThat(confinements.refusal(worker(SandboxSpec.newBuilder().setProcesses(0).setCpuTimeMillis(-5L).setOpenFiles(-1)
                .setFileSizeBytes(0L).setWorkspaceBytes(-2L).setTmpBytes(Long.MIN_VALUE).build())))
                .hasValueSatisfying(r -> assertThat(r).startsWith("limits must be positive: ")
                        .contains("processes 0", "cpu-time PT-0.005S", "file-size 0B", "open-files -1", "workspace -2B", "tmp "));
    }

    @Test
    void limitSettingsThatAreNotPositiveStopStartUpNamingTheSetting() {
        assertThatThrownBy(() -> Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.ceiling.limits.memory", "-1")))
                .rootCause().hasMessageContaining("every limit must be positive: nightshift.dispatch.ceiling.limits.memory -1B");
        assertThatThrownBy(() -> Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.sandbox.limits.processes", "0")))
                .rootCause().hasMessageContaining("nightshift.dispatch.sandbox.limits.processes 0");
        assertThatThrownBy(() -> Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.ceiling.limits.cpu-time", "0s")))
                .rootCause().hasMessageContaining("nightshift.dispatch.ceiling.limits.cpu-time PT0S");
    }

    @Test
    void defaultsBeyondTheCeilingStopStartUpNamingBothSettings() {
        DispatchProperties host = Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.sandbox.network", "host"));
        assertThatThrownBy(() -> new Confinements(host.sandbox(), host.ceiling()))
                .hasMessage("nightshift.dispatch.sandbox.network host is not allowed by nightshift.dispatch.ceiling.networks [NONE, ALLOWLIST]");
        DispatchProperties big = Sandboxes.properties(Path.of("/tmp/ws"), Map.of("nightshift.dispatch.sandbox.limits.memory", "16GB"));
        assertThatThrownBy(() -> new Confinements(big.sandbox(), big.ceiling()))
                .hasMessageContaining("nightshift.dispatch.sandbox.limits: limit memory 17179869184 exceeds nightshift.dispatch.ceiling.limits.memory");
    }

    private static WorkerSpec worker(SandboxSpec sandbox) {
        return WorkerSpec.newBuilder().setName("w")
                .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(60_000).build())
                .setOutputs(OutputSinks.of(List.of()))
                .setSandbox(sandbox)
                .build();
    }
}
