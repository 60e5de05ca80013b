package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code), where installed, through the adapter, the
 * sandbox and the process code: it accepts the command line the adapter builds, and its stream-json is
 * read. No model is reachable from here and the sandbox holds no login, so the CLI answers with an
 * error result: what matters is that the argv is accepted and the result line is understood. Skipped
 * without the CLI unless NIGHTSHIFT_REQUIRE_CLAUDE_CLI=1 (CI sets it when it could install the CLI).
 */
@Timeout(120)
class ClaudeCodeCliTest {

    @Test
    void theRealCliAcceptsTheCommandAndItsResultIsRead() throws Exception {
        Optional<Path> claude = Executables.find(System.getenv().getOrDefault("NIGHTSHIFT_CLAUDE_BINARY", "claude"));
        if ("1".equals(System.getenv("NIGHTSHIFT_REQUIRE_CLAUDE_CLI"))) {
            assertThat(claude).as("the claude CLI is required (NIGHTSHIFT_REQUIRE_CLAUDE_CLI=1)").isPresent();
        }
        assumeTrue(claude.isPresent(), "claude CLI not installed");

        Path root = Files.createTempDirectory(Path.of("/tmp"), "ns-claude-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        DispatchProperties properties = Sandboxes.properties(root, Map.of());
        ClaudeCodeAdapter adapter = new ClaudeCodeAdapter();
        List<String> argv = adapter.command(claude.get().toString(),
                // a prompt that looks like an option: read as one, the CLI would print its version and exit 0
                new AgentRequest("--version: write a haiku about Kafka into haiku.md", "sonnet", List.of("Read", "Write"), 3, 0.5));
        AgentAdapter.LineParser parser = adapter.newParser();
        List<AgentSignal> signals = new CopyOnWriteArrayList<>();
        List<String> lines = new CopyOnWriteArrayList<>();

        AgentProcess.Exit exit;
        // no network at all: nothing may leave this machine, and the CLI must say so in its own words
        try (EgressProxy egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry());
                SandboxRun run = Sandboxes.bubblewrap(properties, egress).open("run-1", null,
                        new Confinement(new Network.None(), properties.sandbox().limits().toRunLimits()))) {
            exit = AgentProcess.fromPath().run(
                    run.launch(argv, Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", run.home())),
                    Duration.ofSeconds(60), Duration.ofSeconds(2), line -> {
                        lines.add(line);
                        parser.parse(line).ifPresent(signals::add);
                    });
        } finally {
            Workspace.delete(root);
        }

        assertThat(exit.timedOut()).as("the CLI answered within a minute; stderr: " + exit.stderrTail()).isFalse();
        assertThat(lines.getFirst()).as("the init line, so the argv was accepted and the prompt read as a prompt")
                .contains("\"subtype\":\"init\"");
        AgentSignal.Result result = signals.stream().filter(AgentSignal.Result.class::isInstance)
                .map(AgentSignal.Result.class::cast).findFirst().orElseThrow(() -> new AssertionError("no result line in " + lines));
        assertThat(result.succeeded()).isFalse();
        assertThat(result.text()).isNotBlank();
        assertThat(exit.exitCode()).isNotZero();
    }
}
