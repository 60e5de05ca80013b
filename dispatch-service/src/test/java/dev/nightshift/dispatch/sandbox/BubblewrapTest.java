package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real bubblewrap. Skipped where bwrap is not installed, unless NIGHTSHIFT_REQUIRE_SANDBOX=1
 * (CI sets it), which turns a missing sandbox into a failure instead of a silent skip.
 */
@Timeout(60)
class BubblewrapTest {

    private final AgentProcess agents = AgentProcess.fromPath();
    private Bubblewrap sandbox;
    private Path root;
    private Path workspace;

    @BeforeEach
    void setUp() throws IOException {
        boolean required = "1".equals(System.getenv("NIGHTSHIFT_REQUIRE_SANDBOX"));
        boolean present = Executables.find("bwrap").isPresent();
        if (required) {
            assertThat(present).as("bwrap is required (NIGHTSHIFT_REQUIRE_SANDBOX=1) but not on PATH").isTrue();
        }
        assumeTrue(present, "bwrap not installed");
        sandbox = Bubblewrap.forThisProcess(65534, false,
                List.of(Path.of("/usr"), Path.of("/bin"), Path.of("/lib"), Path.of("/lib64"), Path.of("/etc"))).orElseThrow();
        // like the workspaces root: traversable by the sandbox's uid
        this.root = Files.createTempDirectory(Path.of("/tmp"), "ns-bwrap-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        workspace = Workspace.create(this.root, "run-1", null);
        sandbox.prepare(workspace);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (root != null) {
            Workspace.delete(root);
        }
    }

    @Test
    void theAgentSeesItsWorkspaceAndNotTheHost() throws Exception {
        Path secret = Files.writeString(root.resolve("secret.txt"), "do not read");
        List<String> out = run("""
                pwd
                echo hello > note.txt && echo wrote
                id -u
                test -e %s && echo host-visible || echo host-hidden
                touch /usr/evil 2>/dev/null && echo usr-writable || echo usr-readonly
                env | sort | tr '\\n' ' '; echo
                """.formatted(secret), Map.of("PATH", "/usr/bin:/bin", "HOME", "/workspace"));

        assertThat(out.get(0)).isEqualTo("/workspace");
        assertThat(out.get(1)).isEqualTo("wrote");
        assertThat(Files.readString(workspace.resolve("note.txt"))).isEqualTo("hello\n");
        if (sandbox.setpriv() != null) {
            assertThat(out.get(2)).isEqualTo("65534");
        }
        assertThat(out.get(3)).isEqualTo("host-hidden");
        assertThat(out.get(4)).isEqualTo("usr-readonly");
        assertThat(out.get(5).strip().split(" ")).containsExactlyInAnyOrder("HOME=/workspace", "PATH=/usr/bin:/bin", "PWD=/workspace");
    }

    @Test
    void withoutNetworkOnlyLoopbackExists() throws Exception {
        List<String> out = run("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '", Map.of("PATH", "/usr/bin:/bin"));
        assertThat(out).containsExactly("lo");
    }

    @Test
    void aTimedOutAgentLeavesNoProcessInsideTheSandbox() throws Exception {
        String marker = "8" + System.nanoTime() % 1_000_000_000L;
        AgentProcess.Exit exit = agents.run(sandbox.launch(List.of("/bin/sh", "-c", "sleep " + marker + " & sleep " + marker + "1"),
                workspace, Map.of("PATH", "/usr/bin:/bin")), Duration.ofMillis(500), Duration.ofSeconds(2), l -> { });

        assertThat(exit.timedOut()).isTrue();
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    @Test
    void aStopReachesTheAgentItselfSoItCanCleanUpBeforeTheKill() throws Exception {
        String marker = "7" + System.nanoTime() % 1_000_000_000L;
        CompletableFuture<String> stop = new CompletableFuture<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        // the agent saves its work on TERM; TERM to bwrap instead would KILL everything inside at once
        String agent = "trap 'echo saved > /workspace/on-term.txt; exit 0' TERM; echo ready; sleep " + marker + " & wait";
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> stop.complete("cancelled"));
        long start = System.nanoTime();
        AgentProcess.Exit exit = agents.run(sandbox.launch(List.of("/bin/bash", "-c", agent), workspace, Map.of("PATH", "/usr/bin:/bin")),
                Duration.ofSeconds(30), Duration.ofSeconds(5), lines::add, stop, null);

        assertThat(exit.stopped()).isEqualTo("cancelled");
        assertThat(exit.timedOut()).isFalse();
        assertThat(lines).contains("ready");
        assertThat(workspace.resolve("on-term.txt")).hasContent("saved");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    private List<String> run(String script, Map<String, String> env) throws IOException {
        List<String> lines = new CopyOnWriteArrayList<>();
        AgentProcess.Exit exit = agents.run(sandbox.launch(List.of("/bin/sh", "-c", script), workspace, env),
                Duration.ofSeconds(20), Duration.ofSeconds(1), lines::add);
        assertThat(exit.exitCode()).as("sandboxed script failed: " + exit.stderrTail()).isZero();
        return lines;
    }
}
