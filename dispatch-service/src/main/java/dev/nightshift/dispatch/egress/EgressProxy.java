package dev.nightshift.dispatch.egress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a sandbox under the {@code allowlist} network: an HTTP CONNECT proxy that listens
 * on one Unix socket per run, bound into that run's sandbox (which has no network of its own), and opens
 * a tunnel only where the run's {@link EgressRules} allow. The socket is the run's identity: no
 * credentials to leak, and one run cannot use another's allowlist. Only CONNECT is served: the agents
 * speak HTTPS, so names are checked before any byte of the request leaves.
 */
public final class EgressProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EgressProxy.class);
    private static final int MAX_HEAD = 8192;

    private final Path directory;
    private final Map<String, InetAddress> pinned;
    private final Duration connectTimeout;
    private final MeterRegistry meters;

    /**
     * @param pinned names resolved by configuration, not DNS (see {@link EgressRules#pinned})
     */
    private static Counter connections(MeterRegistry meters, String outcome) {
        return Counter.builder("nightshift.dispatch.egress.connections")
                .description("CONNECT requests from sandboxes by outcome: allowed, refused (allowlist or address), unreachable")
                .tag("outcome", outcome)
                .register(meters);
    }

    public EgressProxy(Map<String, InetAddress> pinned, Duration connectTimeout, MeterRegistry meters) throws IOException {
        // traversable but not listable: a sandbox's bind mount of its own socket needs the path, nothing more
        this.directory = Files.createTempDirectory("nightshift-egress-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx--x--x")));
        this.pinned = Map.copyOf(pinned);
        this.connectTimeout = connectTimeout;
        this.meters = meters;
        // every outcome from the start, so dashboards and alerts see zero rather than nothing
        List.of("allowed", "refused", "unreachable").forEach(outcome -> connections(meters, outcome));
    }

    /** One run's door out: closing it ends its listener and every tunnel through it. */
    public Door open(String runId, List<String> allowed) throws IOException {
        EgressRules rules = new EgressRules(allowed, pinned);
        Path socket = directory.resolve(runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".sock");
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        Door door = new Door(runId, socket, server, rules);
        Thread.ofVirtual().name("egress-" + runId).start(door::accept);
        return door;
    }

    @Override
    public void close() throws IOException {
        try (var left = Files.list(directory)) {
            for (Path p : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(directory);
    }

    public final class Door implements AutoCloseable {

        private final String runId;
        private final Path socket;
        private final ServerSocketChannel server;
        private final EgressRules rules;
        private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

        private Door(String runId, Path socket, ServerSocketChannel server, EgressRules rules) {
            this.runId = runId;
            this.socket = socket;
            this.server = server;
            this.rules = rules;
        }

        /** The socket file on the host, to be bound into the run's sandbox. */
        public Path socket() {
            return socket;
        }

        private void accept() {
            while (server.isOpen()) {
                try {
                    SocketChannel client = server.accept();
                    open.add(client);
                    Thread.ofVirtual().name("egress-" + runId + "-client").start(() -> serve(client));
                } catch (IOException e) {
                    if (server.isOpen()) {
                        log.warn("run {}: egress proxy stopped accepting: {}", runId, e.getMessage());
                    }
                    return;
                }
            }
        }

        private void serve(SocketChannel client) {
            try (client) {
                ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
                int end = readHead(client, in);
                if (end < 0) {
                    respond(client, 400, "the request head is incomplete or over " + MAX_HEAD + " bytes");
                    return;
                }
                String[] request = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1).split("\r\n", 2)[0].split(" ");
                if (request.length != 3 || !request[0].equals("CONNECT")) {
                    respond(client, 405, "only CONNECT is proxied (use https)");
                    return;
                }
                int colon = request[1].lastIndexOf(':');
                int port = colon < 0 ? -1 : parsePort(request[1].substring(colon + 1));
                if (port < 0) {
                    respond(client, 400, "CONNECT needs host:port");
                    return;
                }
                String host = request[1].substring(0, colon).replaceAll("^\\[|]$", "");
                switch (rules.decide(host, port)) {
                    case EgressRules.Decision.Refused r -> {
                        log.info("run {}: egress refused: {}", runId, r.reason());
                        count("refused");
                        respond(client, 403, r.reason());
                    }
                    case EgressRules.Decision.Allowed a -> tunnel(client, a.address(), in.flip().position(end + 4).slice());
                }
            } catch (IOException e) {
                log.debug("run {}: egress connection ended: {}", runId, e.getMessage());
            } finally {
                open.remove(client);
            }
        }

        private void tunnel(SocketChannel client, InetSocketAddress target, ByteBuffer early) throws IOException {
            try (SocketChannel upstream = SocketChannel.open()) {
                try {
                    upstream.socket().connect(target, (int) connectTimeout.toMillis());
                } catch (IOException e) {
                    log.info("run {}: egress to {} failed: {}", runId, target, e.getMessage());
                    count("unreachable");
                    respond(client, 502, "cannot reach " + target + ": " + e.getMessage());
                    return;
                }
                open.add(upstream);
                count("allowed");
                log.debug("run {}: egress to {}", runId, target);
                client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                while (early.hasRemaining()) {
                    upstream.write(early);
                }
                Thread down = Thread.ofVirtual().start(() -> pump(upstream, client));
                pump(client, upstream);
                try {
                    down.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } finally {
                open.removeIf(c -> !c.isOpen());
            }
        }

        private void count(String outcome) {
            connections(meters, outcome).increment();
        }

        @Override
        public void close() {
            try {
                server.close();
                for (SocketChannel c : open) {
                    c.close();
                }
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                log.warn("run {}: egress door not closed cleanly: {}", runId, e.getMessage());
            }
        }
    }

    /** The offset of the blank line ending the head, or -1 when the client stopped or sent too much. */
    private static int readHead(SocketChannel client, ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                return -1;
            }
            byte[] b = in.array();
            for (int i = 3; i < in.position(); i++) {
                if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') {
                    return i - 3;
                }
            }
        }
        return -1;
    }

    private static int parsePort(String s) {
        try {
            int port = Integer.parseInt(s);
            return port > 0 && port < 65536 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void respond(SocketChannel client, int status, String reason) throws IOException {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + (status == 403 ? "Forbidden" : status == 405 ? "Method Not Allowed"
                : status == 502 ? "Bad Gateway" : "Bad Request") + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        client.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.ISO_8859_1)));
        client.write(ByteBuffer.wrap(body));
    }

    /** Copies until end of stream, then half-closes the other side so the peer sees it too. */
    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the tunnel is over
            try {
                to.close();
            } catch (IOException ignored) {
                // already closing
            }
        }
    }
}
