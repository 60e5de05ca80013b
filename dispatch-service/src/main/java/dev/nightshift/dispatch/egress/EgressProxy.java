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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way out of a sandbox under the {@code allowlist} network: an HTTP CONNECT proxy that listens
 * on one Unix socket per run, bound into that run's sandbox (which has no network of its own), and opens
 * a tunnel only where the run's {@link EgressRules} allow. The socket is the run's identity: no
 * credentials to leak, and one run cannot use another's allowlist (the socket belongs to the run's uid,
 * mode 0600). Only CONNECT is served, and only for TLS whose ClientHello names the CONNECT host, so names
 * are checked before any byte of the request leaves and a tunnel cannot be re-aimed by SNI (domain
 * fronting at an allowed address). Each run has a connection cap, a head timeout and an idle timeout.
 * Every refusal is counted by {@link Outcome} and logged once with the target in sanitized form.
 */
public final class EgressProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EgressProxy.class);
    private static final int MAX_HEAD = 8192;
    private static final int MAX_REASON = 400;

    private final Path directory;
    private final Map<String, InetAddress> pinned;
    private final EgressLimits limits;
    private final Resolver resolver;
    private final MeterRegistry meters;
    /** Head, ClientHello and idle deadlines of every run's connections. */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().name("egress-timer").daemon().factory());

    private static Counter connections(MeterRegistry meters, Outcome outcome) {
        return Counter.builder("nightshift.dispatch.egress.connections")
                .description("connections to sandboxes' egress doors by outcome: allowed, relayed (to the run's model gateway),"
                        + " refused (allowlist), refused_address, unresolved, invalid, over_limit, head_timeout, sni_mismatch, unreachable")
                .tag("outcome", outcome.tag())
                .register(meters);
    }

    /** With the default limits but this connect timeout, and the system's resolver. */
    public EgressProxy(Map<String, InetAddress> pinned, Duration connectTimeout, MeterRegistry meters) throws IOException {
        this(pinned, EgressLimits.defaults().withConnectTimeout(connectTimeout), Resolver.system(), meters);
    }

    /**
     * @param pinned   names resolved by configuration, not DNS (see {@link EgressRules#pinned})
     * @param resolver how every other allowed name is resolved
     */
    public EgressProxy(Map<String, InetAddress> pinned, EgressLimits limits, Resolver resolver, MeterRegistry meters) throws IOException {
        // traversable but not listable: a sandbox's bind mount of its own socket needs the path, nothing more
        this.directory = Files.createTempDirectory("nightshift-egress-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx--x--x")));
        this.pinned = Map.copyOf(pinned);
        this.limits = limits;
        this.resolver = resolver;
        this.meters = meters;
        // cancelled deadlines (nearly all of them) leave the queue at once, not when they would have run
        timer.setRemoveOnCancelPolicy(true);
        // every outcome from the start, so dashboards and alerts see zero rather than nothing
        Arrays.stream(Outcome.values()).forEach(outcome -> connections(meters, outcome));
    }

    /** This process's uid: the owner of a door whose run runs as this process's user. */
    public static int processUid() throws IOException {
        return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }

    /**
     * One run's door out: closing it ends its listener and every tunnel through it.
     *
     * @param uid the uid the run's processes run as: the socket's owner (and group), the only one who may connect
     */
    public Door open(String runId, List<String> allowed, int uid) throws IOException {
        return open(runId, allowed, uid, null);
    }

    /**
     * One run's door out that is also its way to one host service: a request in origin form ({@code POST /v1/messages
     * HTTP/1.1}, what a client sends to this door as to a server, as it does for 127.0.0.1 under NO_PROXY) is handed
     * to {@code relay} as it came, so that service needs no bridge of its own in the sandbox.
     *
     * @param relay the run's own socket of that service (its model gateway door); null for none, and such requests are refused
     */
    public Door open(String runId, List<String> allowed, int uid, Path relay) throws IOException {
        EgressRules rules = new EgressRules(allowed, pinned, resolver);
        Path socket = directory.resolve(runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".sock");
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
            // connecting needs write permission on the socket: the run's uid only
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            if (uid != processUid()) {
                Files.setAttribute(socket, "unix:uid", uid);
                Files.setAttribute(socket, "unix:gid", uid);
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(socket);
            throw e;
        }
        Door door = new Door(runId, socket, server, rules, relay);
        Thread.ofVirtual().name("egress-" + runId).start(door::accept);
        return door;
    }

    @Override
    public void close() throws IOException {
        timer.shutdownNow();
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
        private final Path relay;
        private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
        private final Semaphore slots = new Semaphore(limits.maxConnectionsPerRun());
        /** Connections over the cap whose heads are being read, to be answered 429: as many again at most. */
        private final Semaphore refusing = new Semaphore(limits.maxConnectionsPerRun());
        /** Set while the run is at its cap and that has been logged: one line per episode, not per attempt. */
        private final AtomicBoolean atCapLogged = new AtomicBoolean();

        private Door(String runId, Path socket, ServerSocketChannel server, EgressRules rules, Path relay) {
            this.runId = runId;
            this.socket = socket;
            this.server = server;
            this.rules = rules;
            this.relay = relay;
        }

        /** The host service's socket that origin-form requests are handed to, if any. */
        public Optional<Path> relay() {
            return Optional.ofNullable(relay);
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
                    if (slots.tryAcquire()) {
                        Thread.ofVirtual().name("egress-" + runId + "-client").start(() -> {
                            try {
                                serve(client, false);
                            } finally {
                                slots.release();
                                atCapLogged.set(false);
                            }
                        });
                    } else if (refusing.tryAcquire()) {
                        // its head is read before the answer: closing on an unread request would reset the connection
                        Thread.ofVirtual().name("egress-" + runId + "-refused").start(() -> {
                            try {
                                serve(client, true);
                            } finally {
                                refusing.release();
                            }
                        });
                    } else {
                        // a flood past the cap and as many refusals in flight: no answer at all
                        count(Outcome.OVER_LIMIT);
                        open.remove(client);
                        closeQuietly(client);
                    }
                } catch (IOException e) {
                    if (server.isOpen()) {
                        log.warn("run {}: egress proxy stopped accepting: {}", runId, e.getMessage());
                    }
                    return;
                }
            }
        }

        /** Serves one connection; one over the run's cap only has its head read, to be answered 429. */
        private void serve(SocketChannel client, boolean overLimit) {
            try (client) {
                ByteBuffer in = ByteBuffer.allocate(MAX_HEAD);
                int end;
                try (Deadline head = new Deadline(client)) {
                    end = readHead(client, in);
                    if (head.expired()) {
                        refuse(client, Outcome.HEAD_TIMEOUT, 408, "the request head did not arrive within " + limits.headTimeout(),
                                "(no complete head)");
                        return;
                    }
                }
                if (end < 0) {
                    refuse(client, Outcome.INVALID, 400, "the request head is incomplete or over " + MAX_HEAD + " bytes",
                            new String(in.array(), 0, Math.min(in.position(), 100), StandardCharsets.ISO_8859_1));
                    return;
                }
                String line = new String(in.array(), 0, end, StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
                String[] request = line.split(" ", -1);
                boolean http1 = request.length == 3 && request[2].matches("HTTP/1\\.[01]");
                boolean relayed = relay != null && http1 && request[1].startsWith("/");
                if (!relayed && !(http1 && request[0].equals("CONNECT"))) {
                    refuse(client, Outcome.INVALID, 405, "only CONNECT host:port HTTP/1.1 is proxied (use https)", line);
                    return;
                }
                if (overLimit) {
                    count(Outcome.OVER_LIMIT);
                    if (atCapLogged.compareAndSet(false, true)) {
                        log.warn("run {}: egress refused (over_limit): the run has {} connections open (nightshift.dispatch.sandbox.egress."
                                + "max-connections-per-run); further ones are refused, not logged, until one closes [target {}]", runId,
                                limits.maxConnectionsPerRun(), ConnectTarget.sanitized(request[1]));
                    }
                    respond(client, 429, "this run already has " + limits.maxConnectionsPerRun() + " connections open");
                    return;
                }
                if (relayed) {
                    relay(client, in.flip());
                    return;
                }
                ConnectTarget target;
                try {
                    target = ConnectTarget.parse(request[1]);
                } catch (IllegalArgumentException e) {
                    refuse(client, Outcome.INVALID, 400, "CONNECT target: " + e.getMessage(), request[1]);
                    return;
                }
                switch (rules.decide(target)) {
                    case EgressRules.Decision.Refused r -> refuse(client, r.outcome(), 403, r.reason(), target.toString());
                    case EgressRules.Decision.Allowed a -> tunnel(client, target, a.address(), in.flip().position(end + 4).slice());
                }
            } catch (IOException e) {
                log.debug("run {}: egress connection ended: {}", runId, e.getMessage());
            } finally {
                open.remove(client);
            }
        }

        private void tunnel(SocketChannel client, ConnectTarget target, InetSocketAddress address, ByteBuffer early) throws IOException {
            try (SocketChannel upstream = SocketChannel.open()) {
                open.add(upstream);
                try {
                    upstream.socket().connect(address, (int) limits.connectTimeout().toMillis());
                } catch (IOException e) {
                    refuse(client, Outcome.UNREACHABLE, 502, "cannot reach " + target + ": " + e.getMessage(), target.toString());
                    return;
                }
                client.write(ByteBuffer.wrap("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
                Optional<ByteBuffer> hello = helloFor(client, target, early);
                if (hello.isEmpty()) {
                    return;
                }
                count(Outcome.ALLOWED);
                log.debug("run {}: egress to {} ({})", runId, target, address);
                while (hello.get().hasRemaining()) {
                    upstream.write(hello.get());
                }
                splice(client, upstream);
            } finally {
                open.removeIf(c -> !c.isOpen());
            }
        }

        /**
         * The tunnel's first bytes, read until they hold a whole ClientHello naming {@code target}; empty (the
         * refusal counted and logged) when they are not TLS, name no server or another one, or come too late.
         */
        private Optional<ByteBuffer> helloFor(SocketChannel client, ConnectTarget target, ByteBuffer early) throws IOException {
            ByteBuffer in = ByteBuffer.allocate(early.remaining() + 5 + ClientHello.MAX_HANDSHAKE + 64 * 5);
            in.put(early);
            try (Deadline deadline = new Deadline(client)) {
                while (true) {
                    switch (ClientHello.parse(in.array(), in.position())) {
                        case ClientHello.Parsed.Hello h when h.serverName().equals(Optional.of(target.host())) -> {
                            return Optional.of(in.flip());
                        }
                        case ClientHello.Parsed.Hello h -> {
                            refuseTunnel(Outcome.SNI_MISMATCH, target, h.serverName()
                                    .map(n -> "the TLS ClientHello names '" + ConnectTarget.sanitized(n) + "'")
                                    .orElse("the TLS ClientHello names no server"));
                            return Optional.empty();
                        }
                        case ClientHello.Parsed.NotClientHello n -> {
                            refuseTunnel(Outcome.SNI_MISMATCH, target, "the tunnel does not start with a TLS ClientHello: " + n.reason());
                            return Optional.empty();
                        }
                        case ClientHello.Parsed.Incomplete i -> {
                            if (!in.hasRemaining() || client.read(in) < 0) {
                                if (deadline.expired()) {
                                    refuseTunnel(Outcome.HEAD_TIMEOUT, target, "no TLS ClientHello within " + limits.headTimeout());
                                } else {
                                    refuseTunnel(Outcome.SNI_MISMATCH, target, "the tunnel ended before a whole TLS ClientHello");
                                }
                                return Optional.empty();
                            }
                        }
                    }
                }
            }
        }

        private void refuseTunnel(Outcome outcome, ConnectTarget target, String reason) {
            count(outcome);
            log.info("run {}: egress to {} closed: {}", runId, target, reason);
        }

        /** Hands a request and all that follows on its connection to the relayed service, byte for byte. */
        private void relay(SocketChannel client, ByteBuffer head) throws IOException {
            try (SocketChannel service = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                open.add(service);
                try {
                    service.connect(UnixDomainSocketAddress.of(relay));
                } catch (IOException e) {
                    refuse(client, Outcome.UNREACHABLE, 502, "the run's service is not reachable: " + e.getMessage(), "(relayed request)");
                    return;
                }
                count(Outcome.RELAYED);
                while (head.hasRemaining()) {
                    service.write(head);
                }
                splice(client, service);
            } finally {
                open.removeIf(c -> !c.isOpen());
            }
        }

        /** Copies both ways until both ends are done, or neither has sent a byte for the idle timeout. */
        private void splice(SocketChannel client, SocketChannel upstream) {
            AtomicLong last = new AtomicLong(System.nanoTime());
            AtomicBoolean over = new AtomicBoolean();
            AtomicReference<ScheduledFuture<?>> idle = new AtomicReference<>();
            Runnable check = new Runnable() {
                @Override
                public void run() {
                    if (over.get()) {
                        return;
                    }
                    long quiet = System.nanoTime() - last.get();
                    if (quiet >= limits.idleTimeout().toNanos()) {
                        log.info("run {}: egress tunnel closed after {} idle", runId, limits.idleTimeout());
                        closeQuietly(client);
                        closeQuietly(upstream);
                    } else {
                        idle.set(timer.schedule(this, limits.idleTimeout().toNanos() - quiet, TimeUnit.NANOSECONDS));
                    }
                }
            };
            try {
                idle.set(timer.schedule(check, limits.idleTimeout().toNanos(), TimeUnit.NANOSECONDS));
            } catch (RejectedExecutionException e) {
                return; // the proxy is closing
            }
            try {
                Thread down = Thread.ofVirtual().start(() -> pump(upstream, client, last));
                pump(client, upstream, last);
                down.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                // a check already running or rescheduled sees this and does nothing
                over.set(true);
                idle.get().cancel(false);
            }
        }

        private void refuse(SocketChannel client, Outcome outcome, int status, String reason, String shownTarget) throws IOException {
            count(outcome);
            String why = ConnectTarget.sanitized(reason, MAX_REASON);
            log.info("run {}: egress refused ({}): {} [target {}]", runId, outcome.tag(), why, ConnectTarget.sanitized(shownTarget));
            respond(client, status, why);
        }

        private void count(Outcome outcome) {
            connections(meters, outcome).increment();
        }

        /** A head or ClientHello deadline: when it passes, the client's input is shut, so its pending read ends. */
        private final class Deadline implements AutoCloseable {
            private final AtomicBoolean expired = new AtomicBoolean();
            private final ScheduledFuture<?> task;

            Deadline(SocketChannel client) {
                Runnable expire = () -> {
                    expired.set(true);
                    try {
                        client.shutdownInput();
                    } catch (IOException e) {
                        closeQuietly(client);
                    }
                };
                ScheduledFuture<?> scheduled;
                try {
                    scheduled = timer.schedule(expire, limits.headTimeout().toNanos(), TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // the proxy is closing: no time at all
                    expire.run();
                    scheduled = null;
                }
                task = scheduled;
            }

            boolean expired() {
                return expired.get();
            }

            @Override
            public void close() {
                if (task != null) {
                    task.cancel(false);
                }
            }
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

    private static void respond(SocketChannel client, int status, String reason) throws IOException {
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        String phrase = switch (status) {
            case 403 -> "Forbidden";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            default -> "Bad Request";
        };
        String head = "HTTP/1.1 " + status + " " + phrase + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteBuffer out = ByteBuffer.wrap((head + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            client.write(out);
        }
    }

    /** Copies until end of stream, then half-closes the other side so the peer sees it too. */
    private static void pump(SocketChannel from, SocketChannel to, AtomicLong last) {
        ByteBuffer buffer = ByteBuffer.allocate(16384);
        try {
            while (from.read(buffer) >= 0) {
                last.set(System.nanoTime());
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the tunnel is over
            closeQuietly(to);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closing
        }
    }
}
