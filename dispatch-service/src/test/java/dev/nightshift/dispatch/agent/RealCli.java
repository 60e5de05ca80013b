package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.Executables;
import dev.nightshift.dispatch.sandbox.Network;
import dev.nightshift.dispatch.sandbox.SandboxRun;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import dev.nightshift.dispatch.sandbox.Workspace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** A real agent CLI run once through its adapter, the real sandbox (and egress proxy) and the process code. */
record RealCli(Path binary) {

    /**
     * The CLI where installed. Skips the test without it, unless {@code NIGHTSHIFT_REQUIRE_<NAME>_CLI=1}
     * (CI sets it when it could install the CLI), which makes a missing CLI a failure.
     */
    static RealCli find(String name) {
        String upper = name.toUpperCase();
        Optional<Path> binary = Executables.find(System.getenv().getOrDefault("NIGHTSHIFT_" + upper + "_BINARY", name));
        if ("1".equals(System.getenv("NIGHTSHIFT_REQUIRE_" + upper + "_CLI"))) {
            assertThat(binary).as("the " + name + " CLI is required (NIGHTSHIFT_REQUIRE_" + upper + "_CLI=1)").isPresent();
        }
        assumeTrue(binary.isPresent(), name + " CLI not installed");
        return new RealCli(binary.get());
    }

    record Run(AgentProcess.Exit exit, List<String> lines, List<AgentSignal> signals) {

        AgentSignal.Result result() {
            return signals.stream().filter(AgentSignal.Result.class::isInstance).map(AgentSignal.Result.class::cast).findFirst()
                    .orElseThrow(() -> new AssertionError("no result in " + lines + "; stderr: " + exit.stderrTail()));
        }
    }

    Run run(AgentAdapter adapter, AgentRequest request, Network network, Duration wallTime) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "ns-cli-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        DispatchProperties properties = Sandboxes.properties(root, Map.of());
        AgentAdapter.LineParser parser = adapter.newParser(request);
        List<AgentSignal> signals = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        try (EgressProxy egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry());
                SandboxRun run = Sandboxes.bubblewrap(properties, egress).open("run-1", null,
                        new Confinement(network, properties.sandbox().limits().toRunLimits()))) {
            AgentProcess.Exit exit = AgentProcess.fromPath().run(
                    run.launch(adapter.command(binary.toString(), request), Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", run.home()))
                            .withInput(adapter.input(request)),
                    wallTime, Duration.ofSeconds(2), line -> {
                        lines.add(line);
                        signals.addAll(parser.parse(line));
                    });
            signals.addAll(parser.finish());
            return new Run(exit, new ArrayList<>(lines), new ArrayList<>(signals));
        } finally {
            Workspace.delete(root);
        }
    }
}
