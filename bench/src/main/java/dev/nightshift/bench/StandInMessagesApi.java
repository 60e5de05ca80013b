package dev.nightshift.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The Anthropic Messages API as far as the gateway benchmark needs it: {@code POST /v1/messages} with the
 * key, answered by a streamed message in the API's own events (message_start, content_block_start, ping,
 * the text in {@code deltas} content_block_delta events, each flushed and paced, content_block_stop,
 * message_delta with the usage, message_stop). The tests' StandInModelApi lives in dispatch's test sources
 * and answers in one delta; this one streams a long answer as a model does.
 */
final class StandInMessagesApi implements AutoCloseable {

    /**
     * @param firstByte  wait before the status line (the model thinking)
     * @param deltas     how many text deltas the answer streams
     * @param deltaBytes the text in each
     * @param pause      between two deltas (zero: as fast as the socket takes them)
     */
    record Answer(Duration firstByte, int deltas, int deltaBytes, Duration pause) {
    }

    private static final String MODEL = "claude-sonnet-4-5-20250929";

    private final String key;
    private volatile Answer answer;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong ids = new AtomicLong();
    private volatile byte[] delta;

    StandInMessagesApi(String key, Answer answer) throws IOException {
        this.key = key;
        answer(answer);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** How every following call is answered. */
    void answer(Answer answer) {
        String text = "x".repeat(Math.max(0, answer.deltaBytes() - 1)) + " ";
        this.delta = event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\""
                + text + "\"}}");
        this.answer = answer;
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            if (!"POST".equals(exchange.getRequestMethod()) || !exchange.getRequestURI().getPath().equals("/v1/messages")) {
                send(exchange, 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Not found\"}}");
                return;
            }
            if (!key.equals(exchange.getRequestHeaders().getFirst("x-api-key"))) {
                send(exchange, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}");
                return;
            }
            Answer answer = this.answer;
            byte[] delta = this.delta;
            pause(answer.firstByte());
            long id = ids.incrementAndGet();
            exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().add("cache-control", "no-cache");
            exchange.getResponseHeaders().add("request-id", "req_bench" + id);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                write(out, event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench" + id
                        + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + MODEL + "\",\"content\":[],\"stop_reason\":null,"
                        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":2100,\"cache_creation_input_tokens\":0,"
                        + "\"cache_read_input_tokens\":14000,\"output_tokens\":1}}}"));
                write(out, event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
                write(out, event("ping", "{\"type\":\"ping\"}"));
                for (int i = 0; i < answer.deltas(); i++) {
                    pause(answer.pause());
                    write(out, delta);
                }
                write(out, event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
                write(out, event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
                        + "\"usage\":{\"output_tokens\":" + answer.deltas() * 5 + "}}"));
                write(out, event("message_stop", "{\"type\":\"message_stop\"}"));
            }
        } catch (IOException e) {
            // the client went away mid-answer
        }
    }

    private static byte[] event(String name, String json) {
        return ("event: " + name + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One event, sent at once as its own chunk, as a provider streams. */
    private static void write(OutputStream out, byte[] event) throws IOException {
        out.write(event);
        out.flush();
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
