package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.util.unit.DataSize;

/** The real bubblewrap with dispatch's default settings: what an agent sees and keeps of the host. */
@Timeout(60)
class BubblewrapTest {

    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "HOME", Bubblewrap.WORKSPACE);

    private final AgentProcess agents = AgentProcess.fromPath();
    private Path root;
    private EgressProxy egress;
    private DispatchProperties properties;
    private Bubblewrap sandbox;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "ns-bwrap-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        egress = new EgressProxy(Map.of(), Duration.ofSeconds(2), new SimpleMeterRegistry());
        properties = Sandboxes.properties(root, Map.of());
        sandbox = Sandboxes.bubblewrap(properties, egress);
    }

    @AfterEach
    void tearDown() throws IOException {
        if (sandbox != null) {
            sandbox.close();
        }
        egress.close();
        Workspace.delete(root);
    }

    private Confinement confinement() {
        return new Confinement(new Network.None(), properties.sandbox().limits().toRunLimits());
    }

    @Test
    void theAgentSeesItsWorkspaceAndNotTheHost() throws Exception {
        Path secret = Files.writeString(root.resolve("secret.txt"), "do not read");
        List<String> out = run(null, confinement(), """
                pwd
                echo hello > note.txt && cat note.txt
                id -u
                test -e %s && echo host-visible || echo host-hidden
                touch /usr/evil 2>/dev/null && echo usr-writable || echo usr-readonly
                env | sort | tr '\\n' ' '; echo
                """.formatted(secret));

        assertThat(out.get(0)).isEqualTo("/workspace");
        assertThat(out.get(1)).isEqualTo("hello");
        if (sandbox.setpriv() != null) {
            assertThat(out.get(2)).isEqualTo("65534");
        }
        assertThat(out.get(3)).isEqualTo("host-hidden");
        assertThat(out.get(4)).isEqualTo("usr-readonly");
        assertThat(out.get(5).strip().split(" ")).containsExactlyInAnyOrder("HOME=/workspace", "PATH=/usr/bin:/bin", "PWD=/workspace");
        try (var left = Files.list(root)) {
            assertThat(left).as("the workspace lived in the sandbox only").containsExactly(secret);
        }
    }

    @Test
    void theWorkersTemplateIsCopiedIntoTheWorkspace() throws Exception {
        Path template = Files.createDirectories(root.resolve("templates/writer/skills"));
        Files.writeString(template.resolve("guide.md"), "be brief\n");
        Files.writeString(template.getParent().resolve("CLAUDE.md"), "house rules\n");

        List<String> out = run(template.getParent(), confinement(), "cat CLAUDE.md skills/guide.md; echo more >> CLAUDE.md && echo writable");

        assertThat(out).containsExactly("house rules", "be brief", "writable");
        assertThat(template.getParent().resolve("CLAUDE.md")).hasContent("house rules\n");
    }

    @Test
    void theBridgesListenAndTheTemplateIsInPlaceBeforeTheAgentStarts() throws Exception {
        Path template = Files.createDirectories(root.resolve("templates/coder"));
        for (int i = 0; i < 200; i++) {
            Files.writeString(template.resolve("file-" + i), "content " + i + "\n");
        }
        try (ServerSocketChannel first = greeter(root.resolve("first.sock"), "first");
                ServerSocketChannel second = greeter(root.resolve("second.sock"), "second")) {
            // two services: each gets a bridge of its own, beside the egress door's
            Confinement bridged = new Confinement(new Network.Allowlist(List.of("example.org")), properties.sandbox().limits().toRunLimits(),
                    List.of(new SocketService(root.resolve("first.sock"), 8089), new SocketService(root.resolve("second.sock"), 8090)));

            // the agent's first commands: no wait of its own
            List<String> out = run(template, bridged, """
                    ls | wc -l
                    grep -c ' 0100007F:[0-9A-F]* 00000000:0000 0A' /proc/net/tcp
                    bash -c 'exec 3<>/dev/tcp/127.0.0.1/8089 && head -1 <&3'
                    bash -c 'exec 3<>/dev/tcp/127.0.0.1/8090 && head -1 <&3'
                    """);

            assertThat(out).containsExactly("200", "3", "hello from first", "hello from second");
        }
    }

    @Test
    void aRunsOneServiceIsReachedThroughTheEgressDoorsBridgeWithNoneOfItsOwn() throws Exception {
        try (ServerSocketChannel gateway = greeter(root.resolve("gateway.sock"), "the gateway")) {
            SocketService service = new SocketService(root.resolve("gateway.sock"), 4000);
            Confinement confinement = new Confinement(new Network.Allowlist(List.of("example.org")), properties.sandbox().limits().toRunLimits(),
                    List.of(service));
            List<String> lines = new CopyOnWriteArrayList<>();
            try (SandboxRun run = sandbox.open("run-1", null, confinement)) {
                assertThat(run.address(service)).isEqualTo("http://127.0.0.1:3128");
                AgentProcess.Exit exit = agents.run(run.launch(List.of("/bin/bash", "-c", """
                        grep -c ' 0100007F:[0-9A-F]* 00000000:0000 0A' /proc/net/tcp
                        exec 3<>/dev/tcp/127.0.0.1/3128 && printf 'GET /v1/models HTTP/1.1\\r\\nHost: 127.0.0.1:3128\\r\\n\\r\\n' >&3 && head -1 <&3
                        """), ENV), Duration.ofSeconds(20), Duration.ofSeconds(1), lines::add);
                assertThat(exit.exitCode()).as("sandboxed script failed: " + exit.stderrTail()).isZero();
            }

            assertThat(lines).containsExactly("1", "hello from the gateway");
        }
    }

    /** A host service that greets each connection with one line (after reading nothing), on a socket of its own. */
    private static ServerSocketChannel greeter(Path socket, String name) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel client = server.accept()) {
                    client.write(ByteBuffer.wrap(("hello from " + name + "\n").getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    return; // closed by the test
                }
            }
        });
        return server;
    }

    @Test
    void linksInATemplateLeadToNothingOfTheHostsAndAreNotChownedThrough() throws Exception {
        Path secret = Files.writeString(root.resolve("service-secret.txt"), "s3cret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Object owner = Files.getAttribute(secret, "unix:uid");
        Path template = Files.createDirectories(root.resolve("templates/writer"));
        Files.createSymbolicLink(template.resolve("shadow"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(template.resolve("secret"), secret);
        String probe = "cat shadow secret 2>/dev/null; test -L secret && echo secret-is-a-link; echo done";

        List<String> inMemory = run(template, confinement(), probe);
        sandbox.close();
        // a kept workspace is copied on the host as root, then handed to the agent's uid
        sandbox = Sandboxes.bubblewrap(Sandboxes.properties(root, Map.of("nightshift.dispatch.keep-workspaces", "true")), egress);
        List<String> kept = run(template, confinement(), probe);

        assertThat(inMemory).containsExactly("secret-is-a-link", "done");
        assertThat(kept).containsExactly("secret-is-a-link", "done");
        assertThat(Files.getAttribute(secret, "unix:uid")).as("the link's target keeps its owner").isEqualTo(owner);
        assertThat(Files.getAttribute(Path.of("/etc/shadow"), "unix:uid")).isEqualTo(0);
    }

    @Test
    void limitsAndPrivilegesAreSetInsideTheSandbox() throws Exception {
        RunLimits limits = new RunLimits(DataSize.ofMegabytes(256), 64, Duration.ofSeconds(90), DataSize.ofMegabytes(8), 128,
                DataSize.ofMegabytes(16), DataSize.ofMegabytes(4));
        List<String> out = run(null, new Confinement(new Network.None(), limits), """
                ulimit -t; ulimit -f; ulimit -n
                df -k /workspace /tmp | tail -n 2 | awk '{print $2}'
                grep CapEff /proc/self/status | awk '{print $2}'
                unshare -U true 2>/dev/null && echo userns-allowed || echo userns-refused
                """);

        assertThat(out.subList(0, 3)).containsExactly("90", Long.toString(8 * 1024 * 1024 / 512), "128");
        assertThat(out.subList(3, 5)).containsExactly("16384", "4096");
        assertThat(out.get(5)).isEqualTo("0000000000000000");
        assertThat(out.get(6)).isEqualTo("userns-refused");
    }

    @Test
    void withoutNetworkOnlyLoopbackExists() throws Exception {
        List<String> out = run(null, confinement(), "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '");
        assertThat(out).containsExactly("lo");
    }

    @Test
    void aTimedOutAgentLeavesNoProcessInsideTheSandbox() throws Exception {
        String marker = "8" + System.nanoTime() % 1_000_000_000L;
        try (SandboxRun run = sandbox.open("run-timeout", null, confinement())) {
            AgentProcess.Exit exit = agents.run(run.launch(List.of("/bin/sh", "-c", "sleep " + marker + " & sleep " + marker + "1"), ENV),
                    Duration.ofMillis(500), Duration.ofSeconds(2), l -> { });
            assertThat(exit.timedOut()).isTrue();
        }
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    @Test
    void aStopReachesTheAgentItselfSoItCanCleanUpBeforeTheKill() throws Exception {
        String marker = "7" + System.nanoTime() % 1_000_000_000L;
        CompletableFuture<String> stop = new CompletableFuture<>();
        List<String> lines = new CopyOnWriteArrayList<>();
        // the agent saves its work on TERM; TERM to bwrap instead would KILL everything inside at once
        String agent = "trap 'echo saved; exit 0' TERM; echo ready; sleep " + marker + " & wait";
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> stop.complete("cancelled"));
        long start = System.nanoTime();
        AgentProcess.Exit exit;
        try (SandboxRun run = sandbox.open("run-stop", null, confinement())) {
            exit = agents.run(run.launch(List.of("/bin/bash", "-c", agent), ENV), Duration.ofSeconds(30), Duration.ofSeconds(5),
                    lines::add, stop, null);
        }

        assertThat(exit.stopped()).isEqualTo("cancelled");
        assertThat(exit.timedOut()).isFalse();
        assertThat(lines).containsExactly("ready", "saved");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    /** A host service that is only its socket, for tests that need one bridged in. */
    record SocketService(Path socket, int sandboxPort) implements HostService {
        @Override
        public int hostPort() {
            throw new UnsupportedOperationException("bridged only");
        }
    }

    private List<String> run(Path template, Confinement confinement, String script) throws IOException {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (SandboxRun run = sandbox.open("run-1", template, confinement)) {
            AgentProcess.Exit exit = agents.run(run.launch(List.of("/bin/sh", "-c", script), ENV), Duration.ofSeconds(20),
                    Duration.ofSeconds(1), lines::add);
            assertThat(exit.exitCode()).as("sandboxed script failed: " + exit.stderrTail()).isZero();
        }
        return lines;
    }
}
