package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Confinement;
import dev.nightshift.dispatch.sandbox.Network;
import dev.nightshift.dispatch.sandbox.SandboxRun;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import dev.nightshift.dispatch.sandbox.Workspace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Any CLI through the command adapter, the real sandbox and the gate: the prompt as an argument or on stdin. */
@Timeout(60)
class CommandAdapterTest {

    private static final String PROMPT = "--force: summarise the task\nin two lines";

    @Test
    void thePromptAsTheLastArgumentNeverAnOption() throws Exception {
        CommandAdapter adapter = new CommandAdapter("echoer", List.of("-c", "printf 'args:'; printf ' [%s]' \"$@\"; echo", "echoer"), false, 1000);
        assertThat(adapter.command("/bin/sh", request())).containsExactly("/bin/sh", "-c", "printf 'args:'; printf ' [%s]' \"$@\"; echo",
                "echoer", "--", PROMPT);
        assertThat(run(adapter).text()).isEqualTo("args: [--] [" + PROMPT + "]");
    }

    @Test
    void thePromptOnStdinAfterTheGate() throws Exception {
        CommandAdapter adapter = new CommandAdapter("reader", List.of("-c", "echo working; tr a-z A-Z"), true, 1000);
        AgentSignal.Result r = run(adapter);
        assertThat(r.succeeded()).isTrue();
        assertThat(r.text()).isEqualTo("working\n--FORCE: SUMMARISE THE TASK\nIN TWO LINES");
    }

    @Test
    void onlyTheEndOfALongOutputIsKept() throws Exception {
        CommandAdapter adapter = new CommandAdapter("talker", List.of("-c", "seq 1 10000"), true, 20);
        assertThat(run(adapter).text()).endsWith("9998\n9999\n10000").hasSizeLessThanOrEqualTo(20);
    }

    private static AgentRequest request() {
        return new AgentRequest(PROMPT, null, List.of(), null, 1.0);
    }

    private static AgentSignal.Result run(CommandAdapter adapter) throws Exception {
        Path root = Files.createTempDirectory(Path.of("/tmp"), "ns-command-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        DispatchProperties properties = Sandboxes.properties(root, Map.of());
        AgentAdapter.LineParser parser = adapter.newParser(request());
        List<AgentSignal> signals = new ArrayList<>();
        try (EgressProxy egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry());
                SandboxRun run = Sandboxes.bubblewrap(properties, egress).open("run-1", null,
                        new Confinement(new Network.None(), properties.sandbox().limits().toRunLimits()))) {
            AgentProcess.Exit exit = AgentProcess.fromPath().run(
                    run.launch(adapter.command("/bin/sh", request()), Map.of("PATH", "/usr/bin:/bin")).gated()
                            .withInput(adapter.input(request())),
                    Duration.ofSeconds(20), Duration.ofSeconds(1), line -> signals.addAll(parser.parse(line)),
                    new CompletableFuture<>(), CompletableFuture.completedFuture(null));
            assertThat(exit.exitCode()).as(exit.stderrTail()).isZero();
        } finally {
            Workspace.delete(root);
        }
        signals.addAll(parser.finish());
        return (AgentSignal.Result) signals.getLast();
    }
}
