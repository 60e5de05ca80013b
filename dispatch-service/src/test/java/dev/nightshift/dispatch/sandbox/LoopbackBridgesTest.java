package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bridges' wait, in the shell sandboxes run it with; the listening case is BubblewrapTest's, in a real sandbox. */
@Timeout(30)
class LoopbackBridgesTest {

    @Test
    void aBridgeThatCannotStartFailsTheRunNamingItsPortsInsteadOfWaitingForever() throws Exception {
        int first = freePort();
        int second = freePort();
        // a "socat" that exits at once, as one that cannot bind its port does
        LoopbackBridges bridges = new LoopbackBridges(Path.of("/bin/false"), Map.of(first, "/nowhere/egress.sock", second, "/nowhere/service.sock"), 1);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(List.of("/bin/sh", "-c", bridges.start() + bridges.awaitListening() + "echo the agent started")).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the wait gave up").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(out).doesNotContain("the agent started");
        assertThat(err).contains("nightshift: the sandbox's bridges (socat on 127.0.0.1 ports " + Math.min(first, second) + ", "
                + Math.max(first, second) + ") were not listening after 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(5));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
