package dev.nightshift.dispatch.egress;

import static dev.nightshift.dispatch.egress.ClientHelloTest.clientHello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Attacks on the real proxy through a run's door (its Unix socket, as the sandbox's socat bridge reaches
 * it). The "internet" is a server on this host's loopback behind names the proxy is pinned to resolve
 * there; names that "resolve" elsewhere get their answers from a stand-in for DNS.
 */
@Timeout(60)
class EgressProxyTest {

    private static final String SANDBOX_LIKE_UID_NOTE = "as root only: the door belongs to another uid than this process's";

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();
    /** Stands for a site on the internet: counts the connections it gets and keeps every byte. */
    private ServerSocket site;
    private final AtomicInteger siteConnections = new AtomicInteger();
    private final List<ByteArrayOutputStream> siteReceived = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void setUp() throws IOException {
        site = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!site.isClosed()) {
                try {
                    Socket s = site.accept();
                    siteConnections.incrementAndGet();
                    ByteArrayOutputStream got = new ByteArrayOutputStream();
                    siteReceived.add(got);
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream()) {
                            byte[] b = new byte[4096];
                            for (int n; (n = in.read(b)) >= 0; ) {
                                synchronized (got) {
                                    got.write(b, 0, n);
                                }
                            }
                        } catch (IOException ignored) {
                            // the tunnel went
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        logs.start();
        ((Logger) LoggerFactory.getLogger(EgressProxy.class)).addAppender(logs);
    }

    @AfterEach
    void tearDown() throws Exception {
        ((Logger) LoggerFactory.getLogger(EgressProxy.class)).detachAppender(logs);
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        site.close();
    }

    private EgressProxy proxy(EgressLimits limits) throws IOException {
        Resolver dns = name -> switch (name) {
            case "mapped.test" -> new InetAddress[] {GlobalUnicastTest.v6Kept("::ffff:127.0.0.1")};
            case "nat64.test" -> new InetAddress[] {GlobalUnicastTest.v6Kept("64:ff9b::7f00:1")};
            default -> throw new java.net.UnknownHostException(name);
        };
        EgressProxy proxy = new EgressProxy(Map.of("allowed.test", InetAddress.getLoopbackAddress(),
                "other.test", InetAddress.getLoopbackAddress()), limits, dns, meters);
        closing.add(proxy);
        return proxy;
    }

    private EgressProxy.Door door(EgressProxy proxy, String... allowed) throws IOException {
        EgressProxy.Door door = proxy.open("run-" + closing.size(), List.of(allowed), EgressProxy.processUid());
        closing.add(door);
        return door;
    }

    private SocketChannel connect(EgressProxy.Door door) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(door.socket()));
        closing.add(c);
        return c;
    }

    private static void send(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void send(SocketChannel c, String text) throws IOException {
        send(c, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The proxy's answer head and body, up to its end of stream or a blank line after a 200. */
    private static String answer(SocketChannel c) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(1);
        while (c.read(b.clear()) > 0) {
            got.write(b.get(0));
            String s = got.toString(StandardCharsets.ISO_8859_1);
            if (s.startsWith("HTTP/1.1 200") && s.endsWith("\r\n\r\n")) {
                break;
            }
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private String connectTo(SocketChannel c, String target) throws IOException {
        send(c, "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
        return answer(c);
    }

    private double counted(String outcome) {
        return meters.get("nightshift.dispatch.egress.connections").tag("outcome", outcome).counter().count();
    }

    private int port() {
        return site.getLocalPort();
    }

    @Test
    void aRequestInOriginFormGoesToTheRunsRelayedServiceAsItCameAndAnAbsoluteOneIsStillRefused() throws Exception {
        Path service = Files.createTempDirectory("ns-relay-").resolve("gateway.sock");
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (ServerSocketChannel gateway = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            gateway.bind(UnixDomainSocketAddress.of(service));
            Thread.ofVirtual().start(() -> {
                try (SocketChannel c = gateway.accept()) {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    while (!received.toString(StandardCharsets.ISO_8859_1).endsWith("{\"model\":\"m\"}")) {
                        int n = c.read(b.clear());
                        if (n < 0) {
                            return;
                        }
                        received.write(b.array(), 0, n);
                    }
                    send(c, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                } catch (IOException ignored) {
                    // the assertions name what is missing
                }
            });
            EgressProxy proxy = proxy(EgressLimits.defaults());
            EgressProxy.Door door = proxy.open("run-relay", List.of("allowed.test"), EgressProxy.processUid(), service);
            closing.add(door);

            String request = "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:3128\r\ncontent-length: 13\r\n\r\n{\"model\":\"m\"}";
            SocketChannel agent = connect(door);
            send(agent, request);
            ByteBuffer answer = ByteBuffer.allocate(100);
            while (!new String(answer.array(), 0, answer.position(), StandardCharsets.ISO_8859_1).endsWith("ok") && agent.read(answer) >= 0) {
                // until the whole answer is in
            }

            assertThat(received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
            assertThat(new String(answer.array(), 0, answer.position(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200 OK").endsWith("ok");
            assertThat(counted("relayed")).isEqualTo(1.0);
            // a proxy request for a site (absolute form) is no relay: refused as before, and no site is asked
            SocketChannel other = connect(door);
            send(other, "GET http://127.0.0.1:" + port() + "/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertThat(answer(other)).startsWith("HTTP/1.1 405");
            assertThat(siteConnections).hasValue(0);
        } finally {
            Files.deleteIfExists(service);
            Files.deleteIfExists(service.getParent());
        }
    }

    @Test
    void aDoorWithoutARelayRefusesARequestInOriginForm() throws Exception {
        SocketChannel c = connect(door(proxy(EgressLimits.defaults()), "allowed.test"));
        send(c, "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:3128\r\n\r\n");
        assertThat(answer(c)).startsWith("HTTP/1.1 405");
        assertThat(counted("relayed")).isZero();
    }

    @Test
    void anAllowlistedNameResolvingToMappedLoopbackIsRefusedAndTheServerBehindItGetsNoConnection() throws Exception {
        EgressProxy.Door door = door(proxy(EgressLimits.defaults()), "mapped.test:" + port(), "nat64.test:" + port(), "allowed.test:" + port());

        String mapped = connectTo(connect(door), "mapped.test:" + port());
        String nat64 = connectTo(connect(door), "nat64.test:" + port());
        // the same server by its pinned name: it is there, and would have been reached
        SocketChannel pinned = connect(door);
        String allowed = connectTo(pinned, "allowed.test:" + port());
        send(pinned, clientHello("allowed.test"));

        assertThat(mapped).startsWith("HTTP/1.1 403").contains("mapped.test resolves to", "IPv4-mapped carrying 127.0.0.1");
        assertThat(nat64).startsWith("HTTP/1.1 403").contains("NAT64 carrying 127.0.0.1");
        assertThat(allowed).startsWith("HTTP/1.1 200");
        await().atMost(5, TimeUnit.SECONDS).until(() -> siteConnections.get() == 1);
        Thread.sleep(200);
        assertThat(siteConnections).as("only the pinned name's tunnel reached the server").hasValue(1);
        assertThat(counted("refused_address")).isEqualTo(2);
    }

    @Test
    void theSixtyFifthConnectionOfARunIsRefusedWhileTheFirstSixtyFourStayOpen() throws Exception {
        EgressProxy proxy = proxy(EgressLimits.defaults());
        EgressProxy.Door door = door(proxy, "allowed.test:" + port());
        List<SocketChannel> tunnels = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            SocketChannel c = connect(door);
            assertThat(connectTo(c, "allowed.test:" + port())).startsWith("HTTP/1.1 200");
            send(c, clientHello("allowed.test"));
            tunnels.add(c);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> siteConnections.get() == 64);

        SocketChannel extra = connect(door);
        send(extra, "CONNECT allowed.test:" + port() + " HTTP/1.1\r\n\r\n");
        String refused = answer(extra);
        // another run is not held to this run's cap
        SocketChannel neighbour = connect(door(proxy, "allowed.test:" + port()));
        String neighbours = connectTo(neighbour, "allowed.test:" + port());

        assertThat(refused).startsWith("HTTP/1.1 429").contains("64 connections open");
        assertThat(neighbours).startsWith("HTTP/1.1 200");
        for (int i = 0; i < tunnels.size(); i++) {
            send(tunnels.get(i), "still-open-" + i + ";");
        }
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            String all = siteReceived.stream().map(b -> {
                synchronized (b) {
                    return b.toString(StandardCharsets.ISO_8859_1);
                }
            }).reduce("", String::concat);
            for (int i = 0; i < 64; i++) {
                assertThat(all).contains("still-open-" + i + ";");
            }
        });
        assertThat(counted("over_limit")).isEqualTo(1);
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("max-connections-per-run")).hasSize(1);

        // one closed, one more may come in
        tunnels.getFirst().close();
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(connectTo(connect(door), "allowed.test:" + port())).startsWith("HTTP/1.1 200"));
    }

    @Test
    void aSlowlorisHeadIsCutOffAtTheHeadTimeoutWhileAPromptClientIsServed() throws Exception {
        EgressLimits limits = new EgressLimits(64, Duration.ofMillis(500), Duration.ofMinutes(5), Duration.ofSeconds(2));
        EgressProxy.Door door = door(proxy(limits), "allowed.test:" + port());
        SocketChannel slow = connect(door);
        long start = System.nanoTime();
        Thread dribble = Thread.ofVirtual().start(() -> {
            try {
                for (char ch : "CONNECT allowed.test:443 HTTP/1.1\r\nX: ".toCharArray()) {
                    send(slow, String.valueOf(ch));
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // cut off: expected
            }
        });

        SocketChannel promptClient = connect(door);
        String prompt = connectTo(promptClient, "allowed.test:" + port());
        send(promptClient, clientHello("allowed.test"));
        String cut = answer(slow);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        dribble.interrupt();

        assertThat(prompt).startsWith("HTTP/1.1 200");
        assertThat(cut).startsWith("HTTP/1.1 408").contains("did not arrive within PT0.5S");
        assertThat(took).isBetween(400L, 3000L);
        assertThat(counted("head_timeout")).isEqualTo(1);
        assertThat(counted("allowed")).isEqualTo(1);
    }

    @Test
    void aTunnelWithoutTrafficIsClosedAtTheIdleTimeoutAndABusyOneIsNot() throws Exception {
        EgressLimits limits = new EgressLimits(64, Duration.ofSeconds(5), Duration.ofMillis(600), Duration.ofSeconds(2));
        EgressProxy.Door door = door(proxy(limits), "allowed.test:" + port());
        SocketChannel quiet = connect(door);
        SocketChannel busy = connect(door);
        for (SocketChannel c : List.of(quiet, busy)) {
            assertThat(connectTo(c, "allowed.test:" + port())).startsWith("HTTP/1.1 200");
            send(c, clientHello("allowed.test"));
        }
        long start = System.nanoTime();
        for (int i = 0; i < 12; i++) {
            Thread.sleep(150);
            send(busy, "tick");
        }

        // the quiet one sees its end of stream (the site never answers, so nothing else could end it)
        assertThat(quiet.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(500);
        send(busy, "still here");
        await().atMost(5, TimeUnit.SECONDS).until(() -> siteReceived.stream().anyMatch(b -> {
            synchronized (b) {
                return b.toString(StandardCharsets.ISO_8859_1).endsWith("still here");
            }
        }));
    }

    @Test
    void aTargetWithControlCharactersIsRefusedAndNeverLoggedRaw() throws Exception {
        EgressProxy.Door door = door(proxy(EgressLimits.defaults()), "allowed.test:" + port());
        List<String> forged = List.of(
                "CONNECT allowed.test\rINFO run x: egress to allowed.test:443 HTTP/1.1\r\n\r\n",
                "CONNECT evil.test\u001b[2K\u001b[1Gallowed.test:443 HTTP/1.1\r\n\r\n",
                "CONNECT evil.test\nINFO forged:443 HTTP/1.1\r\n\r\n",
                "CONNECT evil.test%0d%0aforged:443 HTTP/1.1\r\n\r\n",
                "CONNECT \u0000allowed.test:" + port() + " HTTP/1.1\r\n\r\n");
        List<String> answers = new ArrayList<>();
        for (String request : forged) {
            SocketChannel c = connect(door);
            send(c, request);
            answers.add(answer(c));
        }

        assertThat(answers).allSatisfy(a -> assertThat(a).matches("(?s)HTTP/1.1 40[05] .*"));
        assertThat(answers).allSatisfy(a -> assertThat(a.substring(a.indexOf("\r\n\r\n") + 4)).doesNotContain("\r", "\u001b", "\u0000")
                .hasSize(a.substring(a.indexOf("\r\n\r\n") + 4).indexOf('\n') + 1));
        assertThat(counted("invalid")).isEqualTo(forged.size());
        assertThat(logs.list).hasSize(forged.size()).allSatisfy(e -> assertThat(e.getFormattedMessage())
                .doesNotContain("\r", "\n", "\u001b", "\u0000").contains("egress refused (invalid)"));
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("evil.test\\x1b[2K"));
        assertThat(siteConnections).hasValue(0);
    }

    @Test
    void aRealTlsClientNamingTheConnectHostGetsThrough() throws Exception {
        TestTls tls = TestTls.forNames("allowed.test");
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls.server()));
        https.createContext("/", exchange -> {
            byte[] body = "hello over tls\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        https.start();
        closing.add(() -> https.stop(0));
        int tlsPort = https.getAddress().getPort();
        EgressProxy.Door door = door(proxy(EgressLimits.defaults()), "allowed.test:" + tlsPort);
        TcpBridge bridge = new TcpBridge(door.socket());
        closing.add(bridge);

        try (HttpClient client = HttpClient.newBuilder().proxy(ProxySelector.of(bridge.address())).sslContext(tls.client()).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://allowed.test:" + tlsPort + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello over tls\n");
        }
        assertThat(counted("allowed")).isEqualTo(1);
    }

    @Test
    void aTlsClientNamingAnotherHostThanItsConnectIsCutOffBeforeAByteLeaves() throws Exception {
        TestTls tls = TestTls.forNames("other.test");
        EgressProxy.Door door = door(proxy(EgressLimits.defaults()), "allowed.test:" + port(), "other.test:" + port());
        TcpBridge bridge = new TcpBridge(door.socket());
        closing.add(bridge);

        Socket plain = new Socket(bridge.address().getAddress(), bridge.address().getPort());
        closing.add(plain);
        plain.getOutputStream().write(("CONNECT allowed.test:" + port() + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] head = new byte["HTTP/1.1 200 Connection established\r\n\r\n".length()];
        plain.getInputStream().readNBytes(head, 0, head.length);
        SSLSocket fronted = (SSLSocket) tls.client().getSocketFactory().createSocket(plain, "other.test", port(), true);
        SSLParameters parameters = fronted.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName("other.test")));
        fronted.setSSLParameters(parameters);

        assertThat(new String(head, StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 200");
        assertThatThrownBy(fronted::startHandshake).isInstanceOf(IOException.class);
        await().atMost(5, TimeUnit.SECONDS).until(() -> counted("sni_mismatch") == 1);
        assertThat(siteReceived).allSatisfy(b -> assertThat(b.size()).as("bytes that reached the site").isZero());
        assertThat(logs.list).anySatisfy(e -> assertThat(e.getFormattedMessage())
                .contains("egress to allowed.test:" + port() + " closed: the TLS ClientHello names 'other.test'"));
    }

    @Test
    void aTunnelThatIsNotTlsOrNamesNoServerIsCutOff() throws Exception {
        EgressProxy.Door door = door(proxy(EgressLimits.defaults()), "allowed.test:" + port());
        SocketChannel plainText = connect(door);
        SocketChannel anonymous = connect(door);

        assertThat(connectTo(plainText, "allowed.test:" + port())).startsWith("HTTP/1.1 200");
        send(plainText, "GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n");
        assertThat(connectTo(anonymous, "allowed.test:" + port())).startsWith("HTTP/1.1 200");
        send(anonymous, clientHello(null));

        assertThat(plainText.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        assertThat(anonymous.read(ByteBuffer.allocate(16))).isEqualTo(-1);
        assertThat(counted("sni_mismatch")).isEqualTo(2);
        assertThat(siteReceived).allSatisfy(b -> assertThat(b.size()).isZero());
    }

    @Test
    void theDoorBelongsToTheRunsUidWithMode0600AndNoOtherUidMayConnect() throws Exception {
        assumeTrue(EgressProxy.processUid() == 0, SANDBOX_LIKE_UID_NOTE);
        EgressProxy proxy = proxy(EgressLimits.defaults());
        EgressProxy.Door door = proxy.open("run-owned", List.of("allowed.test:" + port()), 65534);
        closing.add(door);

        assertThat(Files.getAttribute(door.socket(), "unix:uid")).isEqualTo(65534);
        assertThat(Files.getAttribute(door.socket(), "unix:gid")).isEqualTo(65534);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(door.socket()))).isEqualTo("rw-------");
        String owner = asUid(65534, door.socket().toString());
        String stranger = asUid(65533, door.socket().toString());

        assertThat(owner).contains("HTTP/1.1 403");
        assertThat(stranger).contains("Permission denied").doesNotContain("HTTP/1.1");
    }

    /** What socat, run as {@code uid}, gets when it sends a CONNECT to the socket. */
    private static String asUid(int uid, String socket) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "socat", "-t", "2", "-",
                "UNIX-CONNECT:" + socket).redirectErrorStream(true).start();
        p.getOutputStream().write("CONNECT evil.test:443 HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        p.getOutputStream().flush();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }
}
