package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import dev.nightshift.dispatch.budget.PriceTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway between an agent and a stand-in provider in its real wire format: what reaches the provider
 * (the real key, never the run token or the agent's own key), what the agent gets back (the answer as it
 * streamed, or a refusal in the provider's own format), and what the run is charged. Agents here are this
 * test's HTTP client on the door's loopback port, the one host-network agents use; the Unix socket that
 * sandboxed agents use is checked once, byte for byte.
 */
@Timeout(60)
class ModelGatewayTest {

    private static final String KEY = "sk-ant-real-key-0123456789";
    private static final String MESSAGE = """
            {"model":"claude-sonnet-4-5","max_tokens":1024,"stream":%s,"messages":[{"role":"user","content":"hi"}]}""";

    private final HttpClient agent = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closed(T c) {
        closing.add(c);
        return c;
    }

    private ModelGateway gateway(Provider provider, URI upstream, Credential credential) throws IOException {
        return gateway(provider, upstream, credential, 1024 * 1024);
    }

    private ModelGateway gateway(Provider provider, URI upstream, Credential credential, long maxBody) throws IOException {
        return closed(new ModelGateway(Map.of(provider, new ModelGateway.Upstream(provider, upstream, Optional.ofNullable(credential),
                "ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN")), new ModelGateway.Limits(maxBody, Duration.ofSeconds(2),
                Duration.ofSeconds(20)), new PriceTable(Map.of()), meters));
    }

    private HttpResponse<String> post(ModelGateway.Door door, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + door.hostPort() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return agent.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private double gatewayCount(String outcome) {
        return meters.get("nightshift.dispatch.gateway.requests").tag("outcome", outcome).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    @Test
    void theRealKeyGoesUpstreamAndTheAnswerStreamsBackMetered() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        api.usage(1000, 2000, 300, 4000);
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"))
                .open("run-1", Provider.ANTHROPIC, 5.0));

        // the agent's own key header is dropped, whatever it holds: only the gateway's credential counts
        HttpResponse<String> answer = post(door, "/v1/messages?beta=true", MESSAGE.formatted(true), "authorization", "Bearer " + door.token(),
                "x-api-key", "sk-ant-attackers-own-key", "anthropic-version", "2023-06-01", "anthropic-beta", "claude-code-20250219");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        assertThat(answer.body()).contains("event: message_start", "event: message_delta", "event: message_stop");
        StandInModelApi.Recorded seen = api.requests().getLast();
        assertThat(seen.path()).as("the query passes as it came").isEqualTo("/v1/messages?beta=true");
        assertThat(seen.headers()).containsEntry("x-api-key", List.of(KEY)).containsEntry("anthropic-version", List.of("2023-06-01"))
                .containsEntry("anthropic-beta", List.of("claude-code-20250219")).doesNotContainKey("authorization");
        assertThat(seen.headers().toString()).doesNotContain(door.token()).doesNotContain("attackers");
        assertThat(seen.body()).isEqualTo(MESSAGE.formatted(true));
        // claude-sonnet-4 list prices: $3 input, $15 output, $3.75 cache write, $0.30 cache read per million
        RunAccount.Metered m = door.account().metered();
        assertThat(m).isEqualTo(new RunAccount.Metered(1, 1000, 2000, 300, 4000, m.costUsd()));
        assertThat(m.costUsd()).isCloseTo((1000 * 3 + 2000 * 15 + 300 * 3.75 + 4000 * 0.3) / 1e6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(door.account().stopped()).isNotDone();
        assertThat(meters.get("nightshift.dispatch.gateway.cost").counter().count()).isCloseTo(m.costUsd(), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void aWholeAnswerIsMeteredToo() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        api.usage(10, 20, 0, 0);
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"))
                .open("run-1", Provider.ANTHROPIC, 5.0));

        HttpResponse<String> answer = post(door, "/v1/messages", MESSAGE.formatted(false), "x-api-key", door.token());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"usage\"");
        assertThat(door.account().metered()).extracting(RunAccount.Metered::requests, RunAccount.Metered::inputTokens, RunAccount.Metered::outputTokens)
                .containsExactly(1, 10L, 20L);
    }

    @Test
    void aSubscriptionTokenGoesAsABearerTokenWithItsBeta() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic("sk-ant-oat01-subscription"));
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.OAuthToken("sk-ant-oat01-subscription", "test"))
                .open("run-1", Provider.ANTHROPIC, 5.0));

        assertThat(post(door, "/v1/messages", MESSAGE.formatted(true), "authorization", "Bearer " + door.token(),
                "anthropic-beta", "claude-code-20250219").statusCode()).isEqualTo(200);

        assertThat(api.requests().getLast().headers()).containsEntry("authorization", List.of("Bearer sk-ant-oat01-subscription"))
                .containsEntry("anthropic-beta", List.of("claude-code-20250219,oauth-2025-04-20")).doesNotContainKey("x-api-key");
    }

    @Test
    void withoutThisRunsTokenNothingReachesTheProvider() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway gateway = gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"));
        ModelGateway.Door mine = closed(gateway.open("run-1", Provider.ANTHROPIC, 5.0));
        ModelGateway.Door other = closed(gateway.open("run-2", Provider.ANTHROPIC, 5.0));

        for (String[] headers : List.of(new String[] {"x-anthropic", "none"}, new String[] {"authorization", "Bearer " + other.token()},
                new String[] {"x-api-key", other.token()}, new String[] {"authorization", "Bearer " + mine.token().substring(1)},
                new String[] {"x-api-key", KEY})) {
            HttpResponse<String> refused = post(mine, "/v1/messages", MESSAGE.formatted(false), headers);
            assertThat(refused.statusCode()).as(headers[0] + ": " + headers[1]).isEqualTo(401);
            assertThat(refused.body()).contains("\"type\":\"authentication_error\"").contains("this run's token");
        }
        assertThat(api.requests()).isEmpty();
        assertThat(gatewayCount("unauthenticated")).isEqualTo(5);
    }

    @Test
    void onlyTheProvidersGenerationApisAreForwarded() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"))
                .open("run-1", Provider.ANTHROPIC, 5.0));
        String auth = "Bearer " + door.token();

        for (String path : List.of("/v1/files", "/v1/messages/batches", "/v1/organizations/api_keys", "/v1/responses", "/", "/v1/messages/")) {
            HttpResponse<String> refused = post(door, path, "{}", "authorization", auth);
            assertThat(refused.statusCode()).as(path).isEqualTo(403);
            assertThat(refused.body()).as(path).contains("permission_error");
        }
        for (String path : List.of("/v1/messages/../files", "/v1/%6Dessages", "/v1/messages%2F..%2Ffiles")) {
            assertThat(post(door, path, "{}", "authorization", auth).statusCode()).as(path).isIn(400, 403);
        }
        HttpResponse<String> delete = agent.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + door.hostPort() + "/v1/messages"))
                .DELETE().header("authorization", auth).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(delete.statusCode()).isEqualTo(403);
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void onceTheBudgetIsSpentTheNextRequestIsRefusedAndTheRunIsToBeStopped() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        api.usage(1000, 1000, 0, 0); // $0.018 each
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"))
                .open("run-1", Provider.ANTHROPIC, 0.03));
        String auth = "Bearer " + door.token();

        assertThat(post(door, "/v1/messages", MESSAGE.formatted(true), "authorization", auth).statusCode()).isEqualTo(200);
        assertThat(door.account().stopped()).isNotDone();
        assertThat(post(door, "/v1/messages", MESSAGE.formatted(true), "authorization", auth).statusCode()).isEqualTo(200);
        assertThat(door.account().stopped().get(1, TimeUnit.SECONDS)).satisfies(stop -> {
            assertThat(stop.overBudget()).isTrue();
            assertThat(stop.reason()).contains("$0.0360 of its $0.03 budget");
        });
        HttpResponse<String> refused = post(door, "/v1/messages", MESSAGE.formatted(true), "authorization", auth);

        assertThat(refused.statusCode()).isEqualTo(402);
        assertThat(refused.body()).contains("\"type\":\"billing_error\"").contains("its budget is spent: the model gateway metered $0.0360 of its $0.03 budget");
        assertThat(api.requests()).hasSize(2);
        assertThat(door.account().metered().costUsd()).isCloseTo(0.036, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(gatewayCount("over_budget")).isEqualTo(1);
    }

    @Test
    void openAiGetsItsBearerKeyAndRefusalsInItsOwnFormat() throws Exception {
        StandInModelApi api = closed(StandInModelApi.openai("sk-proj-real"));
        api.usage(5000, 100, 0, 4000);
        ModelGateway.Door door = closed(gateway(Provider.OPENAI, api.baseUri(), new Credential.ApiKey("sk-proj-real", "test"))
                .open("run-1", Provider.OPENAI, 0.000001));

        HttpResponse<String> answer = post(door, "/v1/responses", "{\"model\":\"gpt-5\",\"stream\":true,\"input\":\"hi\"}",
                "authorization", "Bearer " + door.token());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("response.completed");
        assertThat(api.requests().getLast().headers()).containsEntry("authorization", List.of("Bearer sk-proj-real"));
        // OpenAI counts cached tokens inside the input
        assertThat(door.account().metered()).extracting(RunAccount.Metered::inputTokens, RunAccount.Metered::cacheReadTokens)
                .containsExactly(1000L, 4000L);
        HttpResponse<String> refused = post(door, "/v1/responses", "{}", "authorization", "Bearer " + door.token());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("\"type\":\"insufficient_quota\"", "\"code\":\"insufficient_quota\"");
        assertThat(post(door, "/v1/messages", "{}", "authorization", "Bearer " + door.token()).statusCode())
                .as("an OpenAI door does not lead to Anthropic's API").isEqualTo(403);
    }

    @Test
    void withoutACredentialTheRefusalNamesWhatToSet() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), null).open("run-1", Provider.ANTHROPIC, 5.0));

        HttpResponse<String> refused = post(door, "/v1/messages", MESSAGE.formatted(true), "authorization", "Bearer " + door.token());

        assertThat(refused.statusCode()).as("not 401, which Claude Code retries for minutes").isEqualTo(403);
        assertThat(refused.body()).contains("dispatch holds no anthropic credential: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void aRequestOverTheCapIsRefusedUnsent() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"), 4096)
                .open("run-1", Provider.ANTHROPIC, 5.0));

        HttpResponse<String> refused = post(door, "/v1/messages", "{\"pad\":\"" + "x".repeat(5000) + "\"}", "authorization", "Bearer " + door.token());

        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.body()).contains("request_too_large", "nightshift.dispatch.gateway.max-request-body");
        assertThat(api.requests()).isEmpty();
    }

    @Test
    void anAnswerWhoseCostCannotBeReadStopsTheRun() throws Exception {
        HttpServer bare = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        bare.createContext("/", exchange -> {
            byte[] body = "{\"type\":\"message\",\"content\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        bare.start();
        closing.add(() -> bare.stop(0));
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, URI.create("http://127.0.0.1:" + bare.getAddress().getPort()),
                new Credential.ApiKey(KEY, "test")).open("run-1", Provider.ANTHROPIC, 5.0));

        assertThat(post(door, "/v1/messages", MESSAGE.formatted(false), "authorization", "Bearer " + door.token()).statusCode()).isEqualTo(200);

        RunAccount.Stop stop = door.account().stopped().get(1, TimeUnit.SECONDS);
        assertThat(stop.overBudget()).isFalse();
        assertThat(stop.reason()).contains("could not read what a request cost (its answer carried no usage)");
        HttpResponse<String> after = post(door, "/v1/messages", MESSAGE.formatted(false), "authorization", "Bearer " + door.token());
        assertThat(after.statusCode()).as("no request after that").isEqualTo(403);
        assertThat(after.body()).contains("could not read what a request cost");
    }

    @Test
    void anUnreachableProviderIsABadGatewayInItsOwnFormat() throws Exception {
        ModelGateway.Door door = closed(gateway(Provider.ANTHROPIC, URI.create("http://127.0.0.1:9"), new Credential.ApiKey(KEY, "test"))
                .open("run-1", Provider.ANTHROPIC, 5.0));

        HttpResponse<String> refused = post(door, "/v1/messages", MESSAGE.formatted(false), "authorization", "Bearer " + door.token());

        assertThat(refused.statusCode()).isEqualTo(502);
        assertThat(refused.body()).contains("api_error", "could not reach anthropic");
        assertThat(door.account().metered().requests()).isZero();
    }

    @Test
    void theUnixSocketServesTheSameAndGoesWithItsDoor() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway.Door door = gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test")).open("run-1", Provider.ANTHROPIC, 5.0);
        String body = MESSAGE.formatted(false);

        String answer;
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.connect(UnixDomainSocketAddress.of(door.socket()));
            socket.write(ByteBuffer.wrap(("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:4000\r\nAuthorization: Bearer " + door.token()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8)));
            answer = new String(readAll(socket), StandardCharsets.UTF_8);
        }

        assertThat(answer).startsWith("HTTP/1.1 200").contains("\"usage\"");
        assertThat(api.requests()).hasSize(1);
        door.close();
        assertThat(Files.exists(door.socket())).as("the socket is removed with its door").isFalse();
        assertThat(door.account().metered().requests()).isEqualTo(1);
    }

    @Test
    void aHundredAndFiftyRunsAtOnceEachGetTheirDoorOnBothSides() throws Exception {
        StandInModelApi api = closed(StandInModelApi.anthropic(KEY));
        ModelGateway gateway = gateway(Provider.ANTHROPIC, api.baseUri(), new Credential.ApiKey(KEY, "test"));
        List<ModelGateway.Door> doors = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            ModelGateway.Door door = closed(gateway.open("run-" + i, Provider.ANTHROPIC, 5.0));
            door.hostPort(); // the loopback side too, as where there is no sandbox: two connectors per run
            doors.add(door);
        }
        // the last door opened answers as the first did (a pool of 200 threads refused the 100th door)
        for (ModelGateway.Door door : List.of(doors.getFirst(), doors.getLast())) {
            HttpResponse<String> answer = post(door, "/v1/messages", MESSAGE.formatted(false), "authorization", "Bearer " + door.token(),
                    "anthropic-version", "2023-06-01");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        assertThat(api.requests()).hasSize(2);
    }

    private static byte[] readAll(SocketChannel socket) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (socket.read(buffer) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return all.toByteArray();
    }
}
