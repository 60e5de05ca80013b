package dev.nightshift.dispatch.budget;

import static org.assertj.core.api.Assertions.assertThat;

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
    void aWorkerThatSaysNothingGetsTheAllowlistOfTheModelApisAndTheDefaultLimits() {
        Confinement c = confinements.of(worker(null));

        assertThat(c.network()).isEqualTo(new Network.Allowlist(List.of("api.anthropic.com", "api.openai.com")));
        assertThat(c.limits()).isEqualTo(properties.sandbox().limits().toRunLimits());
        assertThat(c.limits().memory()).isEqualTo(DataSize.ofGigabytes(4));
    }

    @Test
    void aWorkersHostsAreAddedAndItsLimitsReplaceTheDefaults() {
        Confinement c = confinements.of(worker(SandboxSpec.newBuilder().setAllowHosts(List.of("github.com"))
                .setMemoryBytes(DataSize.ofGigabytes(1).toBytes()).setCpuTimeMillis(60_000L).build()));

        assertThat(c.network()).isEqualTo(new Network.Allowlist(List.of("api.anthropic.com", "api.openai.com", "github.com")));
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

    private static WorkerSpec worker(SandboxSpec sandbox) {
        return WorkerSpec.newBuilder().setName("w")
                .setAgent(AgentSpec.newBuilder().setAdapter("claude").build())
                .setBudget(Budget.newBuilder().setWallTimeMillis(60_000).build())
                .setOutputs(OutputSinks.of(List.of()))
                .setSandbox(sandbox)
                .build();
    }
}
