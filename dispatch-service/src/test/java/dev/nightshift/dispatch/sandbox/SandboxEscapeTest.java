package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressLimits;
import dev.nightshift.dispatch.egress.EgressProxy;
import dev.nightshift.dispatch.egress.Resolver;
import dev.nightshift.dispatch.egress.TestTls;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.util.unit.DataSize;

/**
 * Stand-in agents that try to break out, each through the real sandbox, egress proxy and process code,
 * each with a well-behaved run beside it that must finish unaffected. The "internet" is a server on this
 * host's loopback behind a name the proxy is pinned to resolve there ({@code allowed.test}); the same
 * loopback reached directly or by address stands for the broker, the registry and the actuators.
 */
@Timeout(120)
class SandboxEscapeTest {

    private static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "HOME", Bubblewrap.WORKSPACE);
    /** Small enough that each bomb hits it in a second or two. */
    private static final RunLimits TIGHT = new RunLimits(DataSize.ofMegabytes(128), 64, Duration.ofSeconds(20), DataSize.ofMegabytes(32),
            256, DataSize.ofMegabytes(16), DataSize.ofMegabytes(8));

    private final AgentProcess agents = AgentProcess.fromPath();
    private Path root;
    private EgressProxy egress;
    private Bubblewrap sandbox;
    private HttpServer internet;
    private ServerSocket hostService;

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory(Path.of("/tmp"), "ns-escape-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        // mapped.test stands for a name whose DNS answer is the host's loopback in IPv4-mapped form
        Resolver dns = name -> new InetAddress[] {Inet6Address.getByAddress(name,
                new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1}, null)};
        egress = new EgressProxy(Map.of("allowed.test", InetAddress.getLoopbackAddress(), "elsewhere.test", InetAddress.getLoopbackAddress()),
                EgressLimits.defaults().withConnectTimeout(Duration.ofSeconds(2)), dns, new SimpleMeterRegistry());
        DispatchProperties properties = Sandboxes.properties(root, Map.of());
        sandbox = Sandboxes.bubblewrap(properties, egress);
        // the proxy passes TLS only, naming the CONNECT host
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(TestTls.forNames("allowed.test", "elsewhere.test").server()));
        internet = https;
        internet.createContext("/", exchange -> {
            byte[] body = "hello from the internet\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        internet.start();
        // stands for the broker, the registry, an actuator: anything of the host's on its loopback
        hostService = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void tearDown() throws IOException {
        if (internet != null) {
            internet.stop(0);
            hostService.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
        if (egress != null) {
            egress.close();
        }
        Workspace.delete(root);
    }

    @Test
    void aFileOutsideTheWorkspaceThatTheServiceCanReadIsNotThere() throws Exception {
        Path secret = Files.writeString(root.resolve("service-secret.txt"), "s3cret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        String probe = "cat " + secret + " /etc/shadow /proc/1/root" + secret + " 2>/dev/null; ls /root /home /work 2>/dev/null; echo done";

        Pair r = beside(TIGHT, new Network.None(), probe);

        assertThat(r.escape().lines()).containsExactly("done");
    }

    @Test
    void theServicesEnvironmentIsNotThere() throws Exception {
        Pair r = beside(TIGHT, new Network.None(), "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; echo done");

        assertThat(r.escape().lines()).contains("done");
        System.getenv().forEach((name, value) -> {
            if (!ENV.containsKey(name) && value.length() >= 4) {
                assertThat(r.escape().lines()).as("the service's " + name).doesNotContain(name + "=" + value);
            }
        });
    }

    @Test
    void underAllowlistTheHostAndItsLoopbackAreUnreachableAndOnlyListedNamesPass() throws Exception {
        int web = internet.getAddress().getPort();
        int host = hostService.getLocalPort();
        String probe = """
                echo "$(curl -sS -m 5 --noproxy "*" http://127.0.0.1:%1$d/ 2>&1) <- direct to the host's loopback"
                echo "$(curl -sS -m 5 -k https://allowed.test:%2$d/ 2>&1) <- allowed.test"
                echo "$(curl -sS -m 5 -k https://mapped.test:%2$d/ 2>&1) <- mapped.test, answering ::ffff:127.0.0.1"
                echo "$(curl -sS -m 5 -p -x "$HTTPS_PROXY" http://elsewhere.test:%2$d/ 2>&1) <- elsewhere.test"
                echo "$(curl -sS -m 5 --noproxy '' -p -x "$HTTPS_PROXY" http://127.0.0.1:%1$d/ 2>&1) <- the host's loopback through the proxy"
                echo "$(curl -sS -m 5 --noproxy '' -p -x "$HTTPS_PROXY" http://localhost:%1$d/ 2>&1) <- localhost through the proxy"
                """.formatted(host, web);

        Pair r = beside(TIGHT, new Network.Allowlist(List.of("allowed.test:" + web, "mapped.test:" + web)), probe);

        List<String> out = r.escape().lines();
        assertThat(out).filteredOn(l -> l.endsWith("<- direct to the host's loopback")).singleElement().asString()
                .contains("Couldn't connect");
        assertThat(out).contains("hello from the internet <- allowed.test");
        assertThat(out).filteredOn(l -> l.endsWith("<- mapped.test, answering ::ffff:127.0.0.1")).singleElement().asString().contains("403");
        assertThat(out).filteredOn(l -> l.endsWith("<- elsewhere.test")).singleElement().asString().contains("403");
        assertThat(out).filteredOn(l -> l.endsWith("<- the host's loopback through the proxy")).singleElement().asString().contains("403");
        assertThat(out).filteredOn(l -> l.endsWith("<- localhost through the proxy")).singleElement().asString().contains("403");
    }

    @Test
    void underNoneNothingIsReachable() throws Exception {
        int web = internet.getAddress().getPort();
        String probe = """
                echo "$(curl -sS -m 5 http://127.0.0.1:%1$d/ 2>&1)"
                echo "$(curl -sS -m 5 -p -x http://127.0.0.1:3128 http://allowed.test:%1$d/ 2>&1)"
                """.formatted(web);

        Pair r = beside(TIGHT, new Network.None(), probe);

        assertThat(r.escape().lines()).hasSize(2).allSatisfy(l -> assertThat(l).contains("Couldn't connect"));
    }

    @Test
    void aForkBombIsHeldToItsRunsProcessLimit() throws Exception {
        assumeTrue(!(sandbox.limiter() instanceof UidSlots), "no writable cgroups here: see the rlimits variant");
        Pair r = beside(TIGHT, new Network.None(), "bomb() { bomb | bomb & }; bomb; sleep 3; echo survived", Duration.ofSeconds(8));

        assertThat(r.neighbour().lines()).contains("neighbour done");
    }

    @Test
    void aMemoryBombIsKilledAtItsRunsMemoryLimit() throws Exception {
        assumeTrue(!(sandbox.limiter() instanceof UidSlots), "no writable cgroups here: see the rlimits variant");
        Pair r = beside(TIGHT, new Network.None(), "dd if=/dev/zero of=/dev/null bs=512M count=1 2>&1; echo dd-exit=$?");

        assertThat(r.escape().lines()).as("dd was killed, not allowed its 512 MB").anySatisfy(l -> assertThat(l).startsWith("dd-exit=137"));
    }

    @Test
    void eachDeniedSystemCallGetsEpermAndCloneIntoANamespaceToo() throws Exception {
        SeccompFilter.Arch arch = SeccompFilter.Arch.ofThisMachine().orElseThrow();
        String probe = syscallProbe(arch);

        Pair r = beside(TIGHT, new Network.None(), probe);

        assertThat(r.escape().lines()).as("each denied call, then clone with CLONE_NEWUSER, then clone3")
                .containsExactlyElementsOf(expectedVerdicts("1", "38"));
    }

    @Test
    void withoutTheFilterTheSameCallsAreNotAllEperm() throws Exception {
        // the control: the probe can tell a filtered sandbox from one without it
        try (Bubblewrap unfiltered = Sandboxes.bubblewrap(Sandboxes.properties(root, Map.of("nightshift.dispatch.sandbox.seccomp", "false")),
                egress)) {
            List<String> lines = new CopyOnWriteArrayList<>();
            try (SandboxRun run = unfiltered.open(UUID.randomUUID().toString(), null, new Confinement(new Network.None(), TIGHT))) {
                agents.run(run.launch(List.of("/bin/bash", "-c", syscallProbe(SeccompFilter.Arch.ofThisMachine().orElseThrow())), ENV),
                        Duration.ofSeconds(30), Duration.ofSeconds(1), lines::add, new CompletableFuture<>(), null);
            }
            assertThat(unfiltered.seccomp()).isNull();
            assertThat(lines).hasSize(SeccompFilter.DENIED.size() + 2).isNotEqualTo(expectedVerdicts("1", "38"));
            assertThat(lines).contains("io_uring_setup 14", "ptrace ok", "unshare ok"); // EFAULT: it read our null params
        }
    }

    @Test
    void nodeDoesFileAndProcessWorkUnderTheFilter() throws Exception {
        assumeTrue(Executables.find("node").isPresent(), "node not installed");
        String node = Executables.find("node").orElseThrow().toString();
        String script = node + " -e 'const fs = require(\"fs/promises\"); (async () => { await fs.writeFile(\"/workspace/n\", \"x\".repeat(1e6)); "
                + "const d = await fs.readFile(\"/workspace/n\"); const c = require(\"child_process\").execFileSync(\"/bin/echo\", [\"child\"]); "
                + "console.log(\"node \" + d.length + \" \" + c.toString().trim()); })()'";

        Pair r = beside(TIGHT, new Network.None(), script);

        assertThat(r.escape().exit().exitCode()).as(r.escape().exit().stderrTail()).isZero();
        assertThat(r.escape().lines()).containsExactly("node 1000000 child");
    }

    /** Prints "name errno" (or "name ok") for each denied call, clone with CLONE_NEWUSER and clone3, called with zeros. */
    private static String syscallProbe(SeccompFilter.Arch arch) {
        StringBuilder args = new StringBuilder();
        for (String name : SeccompFilter.DENIED) {
            args.append(' ').append(name).append(' ').append(arch.number(name)).append(" 0");
        }
        args.append(" clone ").append(arch.number("clone")).append(' ').append(0x10000000 | 17);
        args.append(" clone3 ").append(arch.number("clone3")).append(" 0");
        return "perl -e 'while (@ARGV) { my ($n, $nr, $a) = splice(@ARGV, 0, 3); my $r = syscall($nr + 0, $a + 0, 0, 0, 0, 0, 0); "
                + "exit 0 if $r == 0 && $n eq \"clone\"; print \"$n \", ($r == -1 ? $! + 0 : \"ok\"), \"\\n\" }'" + args;
    }

    private static List<String> expectedVerdicts(String denied, String clone3) {
        List<String> expected = new ArrayList<>(SeccompFilter.DENIED.stream().map(n -> n + " " + denied).toList());
        expected.add("clone " + denied);
        expected.add("clone3 " + clone3);
        return expected;
    }

    @Test
    void withoutCgroupsAForkBombIsHeldToItsSlotsProcessLimit() throws Exception {
        useRlimits();
        Pair r = beside(TIGHT, new Network.None(), "echo uid=$(id -u); bomb() { bomb | bomb & }; bomb; sleep 3; echo survived",
                Duration.ofSeconds(8));

        assertThat(r.escape().exit().stderrTail()).as("the bomb hit RLIMIT_NPROC").contains("Resource temporarily unavailable");
        if (((UidSlots) sandbox.limiter()).base() != null) {
            assertThat(r.escape().lines()).as("a run slot's own uid").anySatisfy(l -> assertThat(l).matches("uid=100\\d\\d\\d"));
        }
    }

    @Test
    void withoutCgroupsAMemoryBombIsRefusedItsMemory() throws Exception {
        useRlimits();
        Pair r = beside(TIGHT, new Network.None(), "dd if=/dev/zero of=/dev/null bs=512M count=1 2>&1; echo dd-exit=$?; "
                + "perl -e '$x = \"x\" x (512 * 1024 * 1024); print \"allocated\\n\"' 2>&1; echo perl-exit=$?");

        assertThat(r.escape().lines()).as("dd could not have its 512 MB buffer").anySatisfy(l -> assertThat(l).contains("memory exhausted"))
                .contains("dd-exit=1").doesNotContain("allocated", "perl-exit=0");
    }

    @Test
    void withoutCgroupsOrRootAForkBombIsHeldInItsOwnUserNamespace() throws Exception {
        useRlimits();
        // as a dispatcher that is not root: every run has the same uid, the process limit is set inside the sandbox
        Bubblewrap b = sandbox;
        sandbox = new Bubblewrap(b.bwrap(), b.setpriv(), b.socat(), b.uid(), b.readOnlyPaths(), b.workspacesRoot(), b.keepWorkspaces(),
                b.egress(), new UidSlots(Executables.require("prlimit", "for this test"), null, 8), b.seccomp());
        Pair r = beside(TIGHT, new Network.None(), "echo uid=$(id -u); bomb() { bomb | bomb & }; bomb; sleep 3; echo survived",
                Duration.ofSeconds(8));

        assertThat(r.escape().exit().stderrTail()).as("the bomb hit RLIMIT_NPROC").contains("Resource temporarily unavailable");
        assertThat(r.escape().lines()).as("the shared uid").contains("uid=" + b.uid());
    }

    /** This test's sandbox bounds runs with rlimits and a uid per run slot, as where no cgroup is writable. */
    private void useRlimits() throws IOException {
        sandbox.close();
        sandbox = Sandboxes.bubblewrap(Sandboxes.properties(root, Map.of("nightshift.dispatch.sandbox.limits-mechanism", "rlimits")), egress);
        assertThat(sandbox.limiter()).isInstanceOf(UidSlots.class);
    }

    @Test
    void fillingTheDiskStopsAtTheWorkspaceAndTmpSizes() throws Exception {
        String probe = """
                head -c 100M /dev/zero > /workspace/big 2>/dev/null; wc -c < /workspace/big
                head -c 100M /dev/zero > /tmp/big 2>/dev/null; wc -c < /tmp/big
                """;
        RunLimits roomyFiles = new RunLimits(TIGHT.memory(), TIGHT.processes(), TIGHT.cpuTime(), DataSize.ofMegabytes(200),
                TIGHT.openFiles(), TIGHT.workspace(), TIGHT.tmp());

        Pair r = beside(roomyFiles, new Network.None(), probe);

        assertThat(r.escape().lines()).containsExactly(Long.toString(DataSize.ofMegabytes(16).toBytes()),
                Long.toString(DataSize.ofMegabytes(8).toBytes()));
    }

    @Test
    void aFileOverTheFileSizeLimitIsCut() throws Exception {
        RunLimits smallFiles = new RunLimits(TIGHT.memory(), TIGHT.processes(), TIGHT.cpuTime(), DataSize.ofMegabytes(4),
                TIGHT.openFiles(), TIGHT.workspace(), TIGHT.tmp());
        Pair r = beside(smallFiles, new Network.None(), "head -c 12M /dev/zero > /workspace/f; echo exit=$?; wc -c < /workspace/f");

        // 153: killed by SIGXFSZ at the limit
        assertThat(r.escape().lines()).containsExactly("exit=153", Long.toString(DataSize.ofMegabytes(4).toBytes()));
    }

    @Test
    void aChildThatIgnoresTermIsKilledAfterTheGrace() throws Exception {
        String marker = "6" + System.nanoTime() % 1_000_000_000L;
        CompletableFuture<String> stop = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(500, TimeUnit.MILLISECONDS).execute(() -> stop.complete("cancelled"));

        Pair r = beside(TIGHT, new Network.None(), "sh -c \"trap '' TERM; exec sleep " + marker + "\" & echo started; wait",
                Duration.ofSeconds(30), stop);

        assertThat(r.escape().exit().stopped()).isEqualTo("cancelled");
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    @Test
    void aProcessLeftRunningAfterTheAgentExitsIsGone() throws Exception {
        String marker = "5" + System.nanoTime() % 1_000_000_000L;
        Pair r = beside(TIGHT, new Network.None(), "setsid sleep " + marker + " & nohup sleep " + marker + "1 >/dev/null 2>&1 & echo bye");

        assertThat(r.escape().exit().exitCode()).isZero();
        assertThat(AgentProcessTest.survivors(marker)).isEmpty();
    }

    private record Result(AgentProcess.Exit exit, List<String> lines) {
    }

    private record Pair(Result escape, Result neighbour) {
    }

    private Pair beside(RunLimits limits, Network network, String escape) throws Exception {
        return beside(limits, network, escape, Duration.ofSeconds(30));
    }

    private Pair beside(RunLimits limits, Network network, String escape, Duration wall) throws Exception {
        return beside(limits, network, escape, wall, new CompletableFuture<>());
    }

    private Pair beside(RunLimits limits, Network network, String escape, Duration wall, CompletableFuture<String> stop) throws Exception {
        return beside(limits, network, escape, wall, stop, ENV, line -> { });
    }

    /** Runs the escape and, at the same time, a neighbour with the same limits doing ordinary work; both must end. */
    private Pair beside(RunLimits limits, Network network, String escape, Duration wall, CompletableFuture<String> stop,
            Map<String, String> env, Consumer<String> onLine) throws Exception {
        CompletableFuture<Result> neighbour = CompletableFuture.supplyAsync(() -> run(limits, network,
                "for i in 1 2 3 4 5 6 7 8 9 10; do sh -c 'echo step' > /dev/null; sleep 0.2; done; "
                        + "head -c 4M /dev/zero > /workspace/mine && echo neighbour done", Duration.ofSeconds(30), new CompletableFuture<>(),
                ENV, line -> { }));
        Result escaped = run(limits, network, escape, wall, stop, env, onLine);
        Result n = neighbour.get(60, TimeUnit.SECONDS);
        assertThat(n.exit().exitCode()).as("the neighbour run ended normally: " + n.exit().stderrTail()).isZero();
        assertThat(n.lines()).containsExactly("neighbour done");
        return new Pair(escaped, n);
    }

    private Result run(RunLimits limits, Network network, String script, Duration wall, CompletableFuture<String> stop,
            Map<String, String> env, Consumer<String> onLine) {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (SandboxRun run = sandbox.open(UUID.randomUUID().toString(), null, new Confinement(network, limits))) {
            AgentProcess.Exit exit = agents.run(run.launch(List.of("/bin/bash", "-c", script), env), wall, Duration.ofSeconds(1),
                    line -> {
                        onLine.accept(line);
                        lines.add(line);
                    }, stop, null);
            return new Result(exit, lines);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
