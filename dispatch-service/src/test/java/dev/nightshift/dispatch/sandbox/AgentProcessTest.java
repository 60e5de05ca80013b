package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: the process-group handling is what keeps a run from outliving its budget. */
@Timeout(60)
class AgentProcessTest {

    private final AgentProcess agents = AgentProcess.fromPath();

    @TempDir
    Path workspace;

    @Test
    void deliversStdoutLinesAndTheExitCode() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AgentProcess.Exit exit = agents.run(sh("echo one; echo two; echo oops >&2; exit 3"), Duration.ofSeconds(10), Duration.ofSeconds(1), lines::add);

        assertThat(lines).containsExactly("one", "two");
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.timedOut()).isFalse();
        assertThat(exit.stderrTail()).isEqualTo("oops");
    }

    @Test
    void anAgentPrintingPastTheOutputLimitIsStoppedEvenWithinOneEndlessLine() throws Exception {
        String marker = marker();
        List<String> lines = new CopyOnWriteArrayList<>();
        AgentProcess capped = AgentProcess.fromPath(1024 * 1024);
        // one line that never ends: reading it whole would fill the heap
        AgentProcess.Exit exit = capped.run(sh("sleep " + marker + " & echo first; tr '\\0' x < /dev/zero"), Duration.ofSeconds(20),
                Duration.ofSeconds(1), lines::add);

        assertThat(exit.outputOverLimit()).isTrue();
        assertThat(exit.exitCode()).isNull();
        assertThat(lines).containsExactly("first");
        assertThat(survivors(marker)).isEmpty();
    }

    @Test
    void runsInTheWorkspaceWithOnlyTheGivenEnvironment() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Launch launch = new Launch(List.of("/bin/sh", "-c", "pwd; env | sort"), Map.of("PATH", "/usr/bin:/bin", "ONLY", "this"), workspace);
        agents.run(launch, Duration.ofSeconds(10), Duration.ofSeconds(1), lines::add);

        assertThat(lines.getFirst()).isEqualTo(workspace.toRealPath().toString());
        assertThat(lines).contains("ONLY=this").noneMatch(l -> l.startsWith("JAVA_HOME=") || l.startsWith("HOME="));
    }

    @Test
    void stopsTheWholeGroupAtTheWallTime() throws Exception {
        String marker = marker();
        long start = System.nanoTime();
        AgentProcess.Exit exit = agents.run(sh("sleep " + marker + "1 & sleep " + marker + "2"), Duration.ofMillis(500), Duration.ofSeconds(2), l -> { });

        assertThat(exit.timedOut()).isTrue();
        assertThat(exit.exitCode()).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(survivors(marker)).isEmpty();
    }

    @Test
    void killsWhatIgnoresTerm() throws Exception {
        String marker = marker();
        // ignored signals are inherited: the sleep ignores TERM too
        AgentProcess.Exit exit = agents.run(sh("trap '' TERM; sleep " + marker + "3"), Duration.ofMillis(300), Duration.ofMillis(500), l -> { });

        assertThat(exit.timedOut()).isTrue();
        assertThat(survivors(marker)).isEmpty();
    }

    @Test
    void leavesNothingBehindAfterANormalExit() throws Exception {
        String marker = marker();
        AgentProcess.Exit exit = agents.run(sh("sleep " + marker + "4 >/dev/null 2>&1 & echo started"), Duration.ofSeconds(10), Duration.ofSeconds(1), l -> { });

        assertThat(exit.exitCode()).isZero();
        assertThat(survivors(marker)).isEmpty();
    }

    @Test
    void aStopRequestEndsTheRunWithItsReasonAndLeavesNothing() throws Exception {
        String marker = marker();
        CompletableFuture<String> stop = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> stop.complete("cancelled in Todoist"));
        long start = System.nanoTime();
        AgentProcess.Exit exit = agents.run(sh("sleep " + marker + "5 & sleep " + marker + "6"), Duration.ofSeconds(30), Duration.ofSeconds(2),
                l -> { }, stop, null);

        assertThat(exit.stopped()).isEqualTo("cancelled in Todoist");
        assertThat(exit.exitCode()).isNull();
        assertThat(exit.timedOut()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(survivors(marker)).isEmpty();
    }

    @Test
    void aGatedAgentStartsOnlyOnceItIsLetThrough() throws Exception {
        CompletableFuture<Void> go = new CompletableFuture<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> {
            lines.add("go");
            go.complete(null);
        });
        AgentProcess.Exit exit = agents.run(gated("echo started"), Duration.ofSeconds(10), Duration.ofSeconds(1), lines::add,
                new CompletableFuture<>(), go);

        assertThat(lines).containsExactly("go", "started");
        assertThat(exit.exitCode()).isZero();
        assertThat(exit.duration()).as("counted from the gate").isLessThan(Duration.ofMillis(500));
    }

    @Test
    void aGatedAgentNeverStartsWhenItIsNotLetThrough() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        AgentProcess.Exit exit = agents.run(gated("touch ran; echo started"), Duration.ofSeconds(10), Duration.ofSeconds(1), lines::add,
                new CompletableFuture<>(), CompletableFuture.failedFuture(new IllegalStateException("its lease was not written")));

        assertThat(lines).isEmpty();
        assertThat(exit.stopped()).contains("its lease was not written");
        assertThat(workspace.resolve("ran")).doesNotExist();
    }

    private Launch gated(String script) {
        return new Launch(List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"), workspace).gated();
    }

    private Launch sh(String script) {
        return new Launch(List.of("/bin/sh", "-c", script), Map.of("PATH", "/usr/bin:/bin"), workspace);
    }

    /** A number no other process on the machine has on its command line. */
    private static String marker() {
        return "9" + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000_000L);
    }

    /** Live processes with the marker; checked right after run() returns, which promises the tree is gone. */
    static List<String> survivors(String marker) {
        return ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(marker))
                .toList();
    }
}
