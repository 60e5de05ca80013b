package dev.nightshift.dispatch.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.budget.PriceTable;
import dev.nightshift.dispatch.sandbox.HostService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way from an agent to its model: one HTTP door per run (a Unix socket bridged into the run's
 * sandbox, like the egress door), where the agent's requests arrive with a one-time run token instead of
 * a key. The gateway checks the token, lets through only its provider's generation APIs, adds the real
 * credential (which no sandbox ever holds), forwards over TLS and streams the answer back, reading the
 * provider's own usage as it passes. That usage, priced, is the run's cost: once it reaches the run's
 * budget the next request is refused in the provider's own error format and the run is to be stopped.
 * Jetty parses what the agent sends (an untrusted client); the JDK's HttpClient speaks to the provider.
 */
public final class ModelGateway implements AutoCloseable {

    /** The pool's threads besides the doors' (its reserved threads, housekeeping), with room to spare. */
    private static final int POOL_HEADROOM = 64;
    private static final Logger log = LoggerFactory.getLogger(ModelGateway.class);
    /** Where an agent in a sandbox with its own network reaches its door. */
    public static final int SANDBOX_PORT = 4000;

    /** Request headers the gateway does not pass on: its own connection's, the agent's credentials, compression (usage is read). */
    private static final Set<String> DROPPED_REQUEST = Set.of("host", "content-length", "connection", "keep-alive", "proxy-authorization",
            "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect", "authorization", "x-api-key", "accept-encoding",
            "cookie", "http2-settings");
    private static final Set<String> DROPPED_RESPONSE = Set.of("connection", "keep-alive", "transfer-encoding", "content-length",
            "proxy-authenticate", "proxy-connection", "te", "trailer", "upgrade", "set-cookie");

    /** One provider as the gateway reaches it, with the credential it adds (none: requests are refused, naming the setting). */
    public record Upstream(Provider provider, URI baseUrl, Optional<Credential> credential, String credentialSettings) {
    }

    /**
     * @param maxRequestBody  the largest request an agent may send (a whole conversation goes up each time)
     * @param connectTimeout  to reach the provider
     * @param firstByteTimeout from sending a request to the provider's answer starting
     */
    public record Limits(long maxRequestBody, Duration connectTimeout, Duration firstByteTimeout) {
    }

    private final Map<Provider, Upstream> upstreams;
    private final Limits limits;
    private final PriceTable prices;
    private final MeterRegistry meters;
    private final Path directory;
    private final Server server;
    private final QueuedThreadPool threads;
    private final HttpClient client;
    private final Map<Connector, Door> doors = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    public ModelGateway(Map<Provider, Upstream> upstreams, Limits limits, PriceTable prices, MeterRegistry meters) throws IOException {
        this.upstreams = Map.copyOf(upstreams);
        this.limits = limits;
        this.prices = prices;
        this.meters = meters;
        // traversable but not listable: a sandbox's bind mount of its own socket needs the path, nothing more
        this.directory = Files.createTempDirectory("nightshift-gateway-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx--x--x")));
        this.threads = new QueuedThreadPool();
        threads.setName("model-gateway");
        // a request waits on the provider for minutes: on a virtual thread, not one of the pool's
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        this.server = new Server(threads);
        server.setHandler(new Forwarder());
        try {
            server.start();
        } catch (Exception e) {
            throw new IOException("the model gateway could not start: " + e.getMessage(), e);
        }
        this.client = HttpClient.newBuilder().connectTimeout(limits.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        for (Provider p : Provider.values()) {
            for (String outcome : List.of("forwarded", "unauthenticated", "not_allowed", "too_large", "over_budget", "no_credential",
                    "upstream_error", "upstream_timeout", "unmetered")) {
                requests(p, outcome);
            }
        }
    }

    /**
     * Opens one run's door.
     *
     * @param budgetUsd what the run may spend: its requests are refused once their cost reaches it
     */
    public Door open(String runId, Provider provider, double budgetUsd) throws IOException {
        Path socket = directory.resolve("run-" + HexFormat.of().formatHex(bytes(8)) + ".sock");
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, 1, 1, new HttpConnectionFactory());
        connector.setUnixDomainPath(socket);
        Door door = new Door(runId, provider, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32)),
                new RunAccount(prices, budgetUsd), socket);
        door.attach(connector);
        return door;
    }

    @Override
    public void close() throws IOException {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("the model gateway did not stop cleanly: {}", e.getMessage());
        }
        client.close();
        try (var left = Files.list(directory)) {
            for (Path p : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(directory);
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private Counter requests(Provider provider, String outcome) {
        return Counter.builder("nightshift.dispatch.gateway.requests")
                .description("agents' requests to the model gateway by provider and outcome: forwarded, unauthenticated (wrong run token), "
                        + "not_allowed (path), too_large, over_budget, no_credential, upstream_error, upstream_timeout, unmetered")
                .tag("provider", provider.id()).tag("outcome", outcome).register(meters);
    }

    private void meter(Provider provider, AgentSignal.Usage usage, double usd) {
        Counter.builder("nightshift.dispatch.gateway.cost").baseUnit("usd").description("model cost metered at the gateway")
                .tag("provider", provider.id()).register(meters).increment(usd);
        for (var kind : Map.of("input", usage.input(), "output", usage.output(), "cache_write", usage.cacheWrite(),
                "cache_read", usage.cacheRead()).entrySet()) {
            Counter.builder("nightshift.dispatch.gateway.tokens").description("tokens metered at the gateway, by kind")
                    .tag("provider", provider.id()).tag("kind", kind.getKey()).register(meters).increment(kind.getValue());
        }
    }

    /** Hands each request to the door of the connector it came in on: the socket is the run's identity. */
    private final class Forwarder extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Door door = doors.get(request.getConnectionMetaData().getConnector());
            if (door == null) {
                Response.writeError(request, response, callback, 404);
                return true;
            }
            try {
                door.forward(request, response);
                callback.succeeded();
            } catch (Throwable t) {
                callback.failed(t);
            }
            return true;
        }
    }

    /** One run's door: its socket (and, for an agent on the host's network, a loopback port), its token and its account. */
    public final class Door implements HostService, AutoCloseable {

        private final String runId;
        private final Provider provider;
        private final String token;
        private final RunAccount account;
        private final Path socket;
        private final List<Connector> connectors = new ArrayList<>();
        private int hostPort;

        private Door(String runId, Provider provider, String token, RunAccount account, Path socket) {
            this.runId = runId;
            this.provider = provider;
            this.token = token;
            this.account = account;
            this.socket = socket;
        }

        public Provider provider() {
            return provider;
        }

        /** What the agent sends instead of a key: good for this door only, for this run only. */
        public String token() {
            return token;
        }

        public RunAccount account() {
            return account;
        }

        @Override
        public Path socket() {
            return socket;
        }

        @Override
        public int sandboxPort() {
            return SANDBOX_PORT;
        }

        @Override
        public synchronized int hostPort() throws IOException {
            if (hostPort == 0) {
                ServerConnector tcp = new ServerConnector(server, 1, 1, new HttpConnectionFactory());
                tcp.setHost("127.0.0.1");
                tcp.setPort(0);
                attach(tcp);
                hostPort = tcp.getLocalPort();
            }
            return hostPort;
        }

        private synchronized void attach(Connector connector) throws IOException {
            // known before it listens: its first request finds its run
            doors.put(connector, this);
            server.addConnector(connector);
            // an open door leases an acceptor and a selector thread from the pool: the pool grows with the doors (a
            // fixed 200 refused the 100th run of max-runs-in-flight 100)
            int needed = 2 * server.getConnectors().length + POOL_HEADROOM;
            if (threads.getMaxThreads() < needed) {
                threads.setMaxThreads(needed);
            }
            try {
                connector.start();
            } catch (Exception e) {
                server.removeConnector(connector);
                doors.remove(connector);
                throw new IOException("run " + runId + ": the model gateway could not open its door: " + e.getMessage(), e);
            }
            connectors.add(connector);
        }

        @Override
        public synchronized void close() {
            for (Connector c : connectors) {
                doors.remove(c);
                try {
                    c.stop();
                } catch (Exception e) {
                    log.warn("run {}: model gateway door not closed cleanly: {}", runId, e.getMessage());
                }
                server.removeConnector(c);
            }
            connectors.clear();
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                log.warn("run {}: model gateway socket {} not removed: {}", runId, socket, e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "model gateway door of run " + runId + " (" + provider.id() + ")";
        }

        private void forward(Request request, Response response) throws IOException {
            String path = request.getHttpURI().getPath();
            if (request.getMethod().equals("HEAD")) {
                // Claude Code's connection warm-up (HEAD /): answered here, never forwarded
                response.setStatus(404);
                Content.Sink.write(response, true, ByteBuffer.allocate(0));
                return;
            }
            if (!tokenOf(request).map(this::isToken).orElse(false)) {
                refuse(response, Provider.Refusal.Kind.UNAUTHENTICATED, "unauthenticated",
                        "the model gateway wants this run's token (ANTHROPIC_AUTH_TOKEN or the provider's key variable), not another");
                log.warn("run {}: model gateway refused a request without this run's token [{} {}]", runId, request.getMethod(), sanitized(path));
                return;
            }
            if (path == null || !provider.allows(path) || !Set.of("GET", "POST").contains(request.getMethod())) {
                refuse(response, Provider.Refusal.Kind.NOT_ALLOWED, "not_allowed", "the model gateway does not forward "
                        + request.getMethod() + " " + sanitized(path) + " to " + provider.id());
                log.warn("run {}: model gateway refused {} {} (not one of {}'s generation APIs)", runId, request.getMethod(), sanitized(path), provider.id());
                return;
            }
            Upstream upstream = upstreams.get(provider);
            if (upstream == null || upstream.credential().isEmpty()) {
                refuse(response, Provider.Refusal.Kind.NO_CREDENTIAL, "no_credential", "dispatch holds no " + provider.id()
                        + " credential: set " + (upstream == null ? "one" : upstream.credentialSettings()) + " in dispatch's environment");
                return;
            }
            Optional<RunAccount.Stop> stop = account.refusal();
            if (stop.isPresent()) {
                refuse(response, stop.get().overBudget() ? Provider.Refusal.Kind.OVER_BUDGET : Provider.Refusal.Kind.NOT_ALLOWED,
                        stop.get().overBudget() ? "over_budget" : "not_allowed", stop.get().reason());
                log.info("run {}: model gateway refused a request: {}", runId, stop.get().reason());
                return;
            }
            byte[] body;
            try (InputStream in = Request.asInputStream(request)) {
                body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 1, limits.maxRequestBody() + 1));
            }
            if (body.length > limits.maxRequestBody()) {
                refuse(response, Provider.Refusal.Kind.TOO_LARGE, "too_large", "the request is over the model gateway's "
                        + limits.maxRequestBody() + " bytes (nightshift.dispatch.gateway.max-request-body)");
                return;
            }
            send(request, response, upstream, path, body);
        }

        private void send(Request request, Response response, Upstream upstream, String path, byte[] body) throws IOException {
            Credential credential = upstream.credential().orElseThrow();
            String query = request.getHttpURI().getQuery();
            URI target = URI.create(upstream.baseUrl().toString().replaceAll("/+$", "") + path + (query == null ? "" : "?" + query));
            HttpRequest.Builder out = HttpRequest.newBuilder(target).timeout(limits.firstByteTimeout())
                    .method(request.getMethod(), body.length == 0 && request.getMethod().equals("GET")
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            if ("http".equals(target.getScheme())) {
                out.version(HttpClient.Version.HTTP_1_1); // a stand-in on loopback: no h2c upgrade
            }
            String beta = provider.betaFor(credential);
            for (HttpField field : request.getHeaders()) {
                String name = field.getLowerCaseName();
                if (DROPPED_REQUEST.contains(name) || name.startsWith(":")) {
                    continue;
                }
                if (beta != null && name.equals("anthropic-beta")) {
                    continue; // merged below
                }
                out.header(field.getName(), field.getValue());
            }
            if (beta != null) {
                String asked = request.getHeaders().get("anthropic-beta");
                out.header("anthropic-beta", asked == null || asked.isBlank() ? beta : asked + "," + beta);
            }
            Map.Entry<String, String> key = provider.credentialHeader(credential);
            out.header(key.getKey(), key.getValue());
            out.header("accept-encoding", "identity");
            HttpResponse<InputStream> answer;
            try {
                answer = client.send(out.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                refuse(response, Provider.Refusal.Kind.UPSTREAM_TIMEOUT, "upstream_timeout", provider.id() + " did not answer within "
                        + limits.firstByteTimeout() + " (nightshift.dispatch.gateway.first-byte-timeout)");
                return;
            } catch (IOException e) {
                String why = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                refuse(response, Provider.Refusal.Kind.UPSTREAM, "upstream_error", "the model gateway could not reach " + provider.id()
                        + " at " + upstream.baseUrl() + ": " + why);
                log.warn("run {}: model gateway could not reach {}: {}", runId, upstream.baseUrl(), why);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            relay(response, answer, path);
        }

        /** Streams the provider's answer to the agent, each chunk as it comes, reading its usage on the way. */
        private void relay(Response response, HttpResponse<InputStream> answer, String path) throws IOException {
            response.setStatus(answer.statusCode());
            answer.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!DROPPED_RESPONSE.contains(lower) && !lower.startsWith(":")) {
                    values.forEach(v -> response.getHeaders().add(name, v));
                }
            });
            boolean streamed = answer.headers().firstValue("content-type").orElse("").toLowerCase(Locale.ROOT).startsWith("text/event-stream");
            boolean compressed = answer.headers().firstValue("content-encoding").filter(e -> !e.equalsIgnoreCase("identity")).isPresent();
            UsageReader usage = provider.usageReader(streamed);
            boolean costs = provider.metered(path) && answer.statusCode() / 100 == 2;
            requests(provider, "forwarded").increment();
            boolean charged = false;
            try (InputStream in = answer.body(); OutputStream toAgent = Content.Sink.asOutputStream(response)) {
                byte[] buffer = new byte[16384];
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    usage.accept(buffer, 0, n);
                    toAgent.write(buffer, 0, n);
                    toAgent.flush();
                }
                // charged before the answer ends: once the agent has all of it, the run's account already says so
                charged = true;
                if (costs) {
                    charge(compressed ? Optional.empty() : usage.finish(), compressed ? "its answer came compressed" : "its answer carried no usage");
                }
            } finally {
                // what passed is charged, also when the agent or the provider went away mid-answer
                if (costs && !charged) {
                    charge(usage.finish(), "the answer broke off before its usage");
                }
            }
        }

        private void charge(Optional<AgentSignal.Usage> usage, String otherwise) {
            if (usage.isPresent()) {
                double before = account.metered().costUsd();
                account.charge(usage.get());
                meter(provider, usage.get(), account.metered().costUsd() - before);
            } else {
                requests(provider, "unmetered").increment();
                log.warn("run {}: the model gateway could not read what a {} answer cost ({}): the run is stopped", runId, provider.id(), otherwise);
                account.unmetered(otherwise);
            }
        }

        private void refuse(Response response, Provider.Refusal.Kind kind, String outcome, String message) throws IOException {
            requests(provider, outcome).increment();
            Provider.Refusal refusal = provider.refusal(kind, message);
            response.setStatus(refusal.status());
            response.getHeaders().put("content-type", "application/json");
            // the request's body may be unread: this connection is not reused
            response.getHeaders().put("connection", "close");
            Content.Sink.write(response, true, ByteBuffer.wrap(refusal.body().getBytes(StandardCharsets.UTF_8)));
        }

        private boolean isToken(String presented) {
            return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The token as an agent sends it: a bearer token (Claude Code's ANTHROPIC_AUTH_TOKEN, Codex's env_key) or an API-key header. */
    private static Optional<String> tokenOf(Request request) {
        String authorization = request.getHeaders().get("authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(authorization.substring(7).trim());
        }
        return Optional.ofNullable(request.getHeaders().get("x-api-key")).filter(k -> !k.isBlank());
    }

    private static String sanitized(String s) {
        if (s == null) {
            return "(none)";
        }
        String clean = s.replaceAll("[^\\x21-\\x7e]", "?");
        return clean.length() > 200 ? clean.substring(0, 200) + "..." : clean;
    }

    /** For tests and logs: the providers this gateway holds a credential for. */
    public List<String> describe() {
        return Arrays.stream(Provider.values()).map(p -> p.id() + ": " + Optional.ofNullable(upstreams.get(p))
                .flatMap(Upstream::credential).map(Object::toString).orElse("no credential")).toList();
    }
}
