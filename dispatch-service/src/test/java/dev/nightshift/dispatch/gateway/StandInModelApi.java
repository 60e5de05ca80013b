package dev.nightshift.dispatch.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A provider's model API on 127.0.0.1, in the provider's own wire format: the Anthropic Messages API
 * ({@code POST /v1/messages}, SSE or JSON, {@code POST /v1/messages/count_tokens}) or the OpenAI Responses API
 * ({@code POST /v1/responses}, SSE or JSON). It answers every call with the same text and the usage it was told, checks
 * the key the way the provider does, records every request, and can be told to be slow or to refuse. The real agent
 * CLIs (claude, codex) run against it; see the gateway tests.
 */
final class StandInModelApi implements AutoCloseable {

    /** One request as received; header names lower-cased; path with its query string, if any ({@code /v1/messages?beta=true}). */
    record Recorded(String method, String path, Map<String, List<String>> headers, String body) {

        /** The first value of a header, by lower-case name. */
        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
        }
    }

    /** A refusal every model call gets instead of an answer, until {@link #recover()}. */
    private record Refusal(int status, String body, Map<String, String> headers) {
    }

    private enum Provider { ANTHROPIC, OPENAI }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Provider provider;
    private final String expectedKey;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger ids = new AtomicInteger();

    private volatile long[] usage = {12, 5, 0, 0};
    private volatile String model;
    private volatile String answer = "Hi.";
    private volatile Duration delayFirstByte = Duration.ZERO;
    private volatile Refusal refusal;

    private StandInModelApi(Provider provider, String expectedKey, String model) {
        this.provider = provider;
        this.expectedKey = expectedKey;
        this.model = model;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The Anthropic Messages API; accepts {@code x-api-key: <key>} or {@code Authorization: Bearer <key>}. */
    static StandInModelApi anthropic(String expectedKey) {
        return new StandInModelApi(Provider.ANTHROPIC, expectedKey, "claude-sonnet-4-5-20250929");
    }

    /** The OpenAI Responses API; accepts {@code Authorization: Bearer <key>}. */
    static StandInModelApi openai(String expectedKey) {
        return new StandInModelApi(Provider.OPENAI, expectedKey, "gpt-5");
    }

    /** {@code http://127.0.0.1:PORT}, without {@code /v1}. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The usage every following answer reports (in tokens). */
    void usage(long input, long output, long cacheWrite, long cacheRead) {
        this.usage = new long[] {input, output, cacheWrite, cacheRead};
    }

    /** The model every following answer names. */
    void model(String model) {
        this.model = model;
    }

    /** The assistant's text in every following answer. */
    void answer(String text) {
        this.answer = text;
    }

    /** Wait this long before the status line of every following model call (not of a refusal). */
    void delayFirstByte(Duration delay) {
        this.delayFirstByte = delay;
    }

    /** Every following model call (after the key check) gets this status and JSON body instead of an answer. */
    void refuse(int status, String jsonBody) {
        refuse(status, jsonBody, Map.of());
    }

    /** As {@link #refuse(int, String)}, with extra response headers (e.g. {@code retry-after}, {@code x-should-retry}). */
    void refuse(int status, String jsonBody, Map<String, String> headers) {
        this.refusal = new Refusal(status, jsonBody, Map.copyOf(headers));
    }

    /** Answer again after {@link #refuse}. */
    void recover() {
        this.refusal = null;
    }

    /** Every request received so far, in order. */
    List<Recorded> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Recorded request = record(exchange);
            requests.add(request);
            String path = exchange.getRequestURI().getPath();
            if ("HEAD".equals(request.method())) {
                // claude sends HEAD / before its first call (a connection warm-up); a HEAD answer has no body
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!"POST".equals(request.method()) || !isModelPath(path)) {
                sendJson(exchange, 404, error(404, "not_found_error", "Not found: " + request.method() + " " + path));
                return;
            }
            if (!authorised(request)) {
                sendJson(exchange, 401, error(401, "authentication_error", "invalid x-api-key"));
                return;
            }
            Refusal refused = refusal;
            if (refused != null) {
                refused.headers().forEach(exchange.getResponseHeaders()::add);
                sendJson(exchange, refused.status(), refused.body());
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(request.body());
            } catch (JacksonException e) {
                sendJson(exchange, 400, error(400, "invalid_request_error", "The request body is not valid JSON."));
                return;
            }
            sleep(delayFirstByte);
            long[] counts = usage;
            String modelName = model;
            String text = answer;
            boolean stream = body.path("stream").isBoolean() && body.path("stream").booleanValue();
            if (path.equals("/v1/messages/count_tokens")) {
                sendJson(exchange, 200, JSON.writeValueAsString(Map.of("input_tokens", counts[0])));
            } else if (provider == Provider.ANTHROPIC) {
                answerAnthropic(exchange, stream, counts, modelName, text);
            } else {
                answerOpenai(exchange, stream, counts, modelName, text);
            }
        } catch (IOException e) {
            // the client went away mid-answer; nothing to tell it
        }
    }

    private boolean isModelPath(String path) {
        return provider == Provider.ANTHROPIC
                ? path.equals("/v1/messages") || path.equals("/v1/messages/count_tokens")
                : path.equals("/v1/responses");
    }

    private boolean authorised(Recorded request) {
        boolean bearer = request.header("authorization").filter(("Bearer " + expectedKey)::equals).isPresent();
        if (provider == Provider.OPENAI) {
            return bearer;
        }
        return bearer || request.header("x-api-key").filter(expectedKey::equals).isPresent();
    }

    /** The provider's own error body. */
    private String error(int status, String anthropicType, String message) {
        if (provider == Provider.ANTHROPIC) {
            return JSON.writeValueAsString(Map.of("type", "error",
                    "error", Map.of("type", anthropicType, "message", message)));
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", status == 401 ? "Incorrect API key provided." : message);
        error.put("type", "invalid_request_error");
        error.put("param", null);
        error.put("code", status == 401 ? "invalid_api_key" : null);
        return JSON.writeValueAsString(Map.of("error", error));
    }

    // ---- Anthropic Messages API

    private void answerAnthropic(HttpExchange exchange, boolean stream, long[] counts, String modelName, String text)
            throws IOException {
        String id = "msg_standin" + ids.incrementAndGet();
        exchange.getResponseHeaders().add("request-id", "req_standin" + ids.get());
        if (!stream) {
            Map<String, Object> message = anthropicMessage(id, modelName, List.of(Map.of("type", "text", "text", text)),
                    "end_turn", anthropicUsage(counts, counts[1]));
            sendJson(exchange, 200, JSON.writeValueAsString(message));
            return;
        }
        try (OutputStream out = startStream(exchange)) {
            event(out, "message_start", Map.of("type", "message_start",
                    "message", anthropicMessage(id, modelName, List.of(), null, anthropicUsage(counts, 1))));
            event(out, "content_block_start", Map.of("type", "content_block_start", "index", 0,
                    "content_block", Map.of("type", "text", "text", "")));
            event(out, "ping", Map.of("type", "ping"));
            event(out, "content_block_delta", Map.of("type", "content_block_delta", "index", 0,
                    "delta", Map.of("type", "text_delta", "text", text)));
            event(out, "content_block_stop", Map.of("type", "content_block_stop", "index", 0));
            Map<String, Object> delta = new LinkedHashMap<>();
            delta.put("stop_reason", "end_turn");
            delta.put("stop_sequence", null);
            event(out, "message_delta", Map.of("type", "message_delta", "delta", delta,
                    "usage", Map.of("output_tokens", counts[1])));
            event(out, "message_stop", Map.of("type", "message_stop"));
        }
    }

    private static Map<String, Object> anthropicMessage(String id, String modelName, List<Object> content,
            String stopReason, Map<String, Object> usage) {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.put("model", modelName);
        message.put("content", content);
        message.put("stop_reason", stopReason);
        message.put("stop_sequence", null);
        message.put("usage", usage);
        return message;
    }

    private static Map<String, Object> anthropicUsage(long[] counts, long output) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", counts[0]);
        usage.put("cache_creation_input_tokens", counts[2]);
        usage.put("cache_read_input_tokens", counts[3]);
        usage.put("output_tokens", output);
        return usage;
    }

    // ---- OpenAI Responses API

    private void answerOpenai(HttpExchange exchange, boolean stream, long[] counts, String modelName, String text)
            throws IOException {
        int n = ids.incrementAndGet();
        String responseId = "resp_standin" + n;
        String itemId = "msg_standin" + n;
        long createdAt = Instant.now().getEpochSecond();
        exchange.getResponseHeaders().add("x-request-id", "req_standin" + n);
        Map<String, Object> part = outputText(text);
        Map<String, Object> doneItem = message(itemId, "completed", List.of(part));
        if (!stream) {
            sendJson(exchange, 200, JSON.writeValueAsString(
                    response(responseId, createdAt, modelName, "completed", List.of(doneItem), openaiUsage(counts))));
            return;
        }
        AtomicInteger sequence = new AtomicInteger();
        try (OutputStream out = startStream(exchange)) {
            Map<String, Object> started = response(responseId, createdAt, modelName, "in_progress", List.of(), null);
            openaiEvent(out, sequence, "response.created", Map.of("response", started));
            openaiEvent(out, sequence, "response.in_progress", Map.of("response", started));
            openaiEvent(out, sequence, "response.output_item.added", Map.of("output_index", 0,
                    "item", message(itemId, "in_progress", List.of())));
            openaiEvent(out, sequence, "response.content_part.added", Map.of("item_id", itemId, "output_index", 0,
                    "content_index", 0, "part", outputText("")));
            openaiEvent(out, sequence, "response.output_text.delta", Map.of("item_id", itemId, "output_index", 0,
                    "content_index", 0, "delta", text, "logprobs", List.of()));
            openaiEvent(out, sequence, "response.output_text.done", Map.of("item_id", itemId, "output_index", 0,
                    "content_index", 0, "text", text, "logprobs", List.of()));
            openaiEvent(out, sequence, "response.content_part.done", Map.of("item_id", itemId, "output_index", 0,
                    "content_index", 0, "part", part));
            openaiEvent(out, sequence, "response.output_item.done", Map.of("output_index", 0, "item", doneItem));
            openaiEvent(out, sequence, "response.completed", Map.of("response",
                    response(responseId, createdAt, modelName, "completed", List.of(doneItem), openaiUsage(counts))));
        }
    }

    private static Map<String, Object> response(String id, long createdAt, String modelName, String status,
            List<Object> output, Map<String, Object> usage) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("id", id);
        response.put("object", "response");
        response.put("created_at", createdAt);
        response.put("status", status);
        response.put("error", null);
        response.put("incomplete_details", null);
        response.put("model", modelName);
        response.put("output", output);
        response.put("parallel_tool_calls", true);
        response.put("previous_response_id", null);
        response.put("store", false);
        response.put("usage", usage);
        return response;
    }

    private static Map<String, Object> message(String id, String status, List<Object> content) {
        Map<String, Object> item = new LinkedHashMap<>();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        item.put("content", content);
        return item;
    }

    private static Map<String, Object> outputText(String text) {
        return Map.of("type", "output_text", "text", text, "annotations", List.of());
    }

    private static Map<String, Object> openaiUsage(long[] counts) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", counts[0]);
        usage.put("input_tokens_details", Map.of("cached_tokens", counts[3]));
        usage.put("output_tokens", counts[1]);
        usage.put("output_tokens_details", Map.of("reasoning_tokens", 0));
        usage.put("total_tokens", counts[0] + counts[1]);
        return usage;
    }

    private static void openaiEvent(OutputStream out, AtomicInteger sequence, String type, Map<String, Object> fields)
            throws IOException {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("type", type);
        data.putAll(fields);
        data.put("sequence_number", sequence.getAndIncrement());
        event(out, type, data);
    }

    // ---- HTTP

    private static Recorded record(HttpExchange exchange) throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        headers.replaceAll((name, values) -> List.copyOf(values));
        URI uri = exchange.getRequestURI();
        String path = uri.getRawQuery() == null ? uri.getRawPath() : uri.getRawPath() + "?" + uri.getRawQuery();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        return new Recorded(exchange.getRequestMethod(), path, Map.copyOf(headers), body);
    }

    private static OutputStream startStream(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().add("cache-control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        return exchange.getResponseBody();
    }

    private static void event(OutputStream out, String name, Map<String, Object> data) throws IOException {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static void sleep(Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            return;
        }
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
