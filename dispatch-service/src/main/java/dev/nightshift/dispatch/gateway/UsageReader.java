package dev.nightshift.dispatch.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.nightshift.dispatch.agent.AgentSignal;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the tokens one answer used from the bytes as they pass through, streamed (server-sent events) or
 * not (one JSON object): the provider's own count, whatever the agent says later. Anthropic streams the
 * input in {@code message_start} and the output in {@code message_delta}; OpenAI's Responses API gives it
 * all in {@code response.completed} (or {@code .incomplete}, {@code .failed}); Chat Completions in a
 * chunk's {@code usage}. OpenAI counts cached tokens inside the input: they are priced apart here.
 */
final class UsageReader {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** One event's data or a whole JSON answer: larger than any usage-bearing one providers send. */
    static final int MAX_EVENT = 8 * 1024 * 1024;

    private final Provider provider;
    private final boolean streamed;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final StringBuilder data = new StringBuilder();
    private boolean overflow;

    private String model;
    private String id;
    private Long input;
    private Long output;
    private long cacheWrite;
    private long cacheRead;

    UsageReader(Provider provider, boolean streamed) {
        this.provider = provider;
        this.streamed = streamed;
    }

    void accept(byte[] bytes, int offset, int length) {
        if (!streamed) {
            if (pending.size() + length > MAX_EVENT) {
                overflow = true;
            } else {
                pending.write(bytes, offset, length);
            }
            return;
        }
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                line(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            } else if (pending.size() < MAX_EVENT) {
                pending.write(b);
            } else {
                overflow = true;
            }
        }
    }

    /** The answer's usage once all of it has passed; empty when it carried none (or none that could be read). */
    Optional<AgentSignal.Usage> finish() {
        if (!streamed) {
            if (!overflow) {
                read(pending.toString(StandardCharsets.UTF_8));
            }
        } else {
            if (pending.size() > 0) {
                line(pending.toString(StandardCharsets.UTF_8));
            }
            dispatch();
        }
        if (input == null && output == null) {
            return Optional.empty();
        }
        long in = input == null ? 0 : input;
        return Optional.of(new AgentSignal.Usage(model == null ? "unknown" : model, id, in, output == null ? 0 : output, cacheWrite, cacheRead));
    }

    private void line(String line) {
        String l = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (l.isEmpty()) {
            dispatch();
        } else if (l.startsWith("data:")) {
            if (data.length() + l.length() > MAX_EVENT) {
                overflow = true;
                return;
            }
            if (!data.isEmpty()) {
                data.append('\n');
            }
            data.append(l.startsWith("data: ") ? l.substring(6) : l.substring(5));
        }
        // event:, id:, retry: and comments: the data says what the event is
    }

    private void dispatch() {
        // most events are text deltas: only one that names a usage is parsed
        if (data.indexOf("\"usage\"") >= 0) {
            read(data.toString());
        }
        data.setLength(0);
    }

    private void read(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            return; // "[DONE]", a keep-alive, or not JSON at all
        }
        if (node == null || !node.isObject()) {
            return;
        }
        switch (provider) {
            case ANTHROPIC -> anthropic(node);
            case OPENAI -> openai(node);
        }
    }

    private void anthropic(JsonNode node) {
        switch (node.path("type").asString("")) {
            case "message_start" -> message(node.path("message"));
            case "message_delta" -> counts(node.path("usage"));
            case "message" -> message(node); // not streamed
            default -> { }
        }
    }

    private void message(JsonNode message) {
        model = text(message, "model", model);
        id = text(message, "id", id);
        counts(message.path("usage"));
    }

    /** Anthropic's counts: each present one is the total so far (message_delta repeats them as they grow). */
    private void counts(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        input = number(usage, "input_tokens", input);
        output = number(usage, "output_tokens", output);
        cacheWrite = number(usage, "cache_creation_input_tokens", cacheWrite);
        cacheRead = number(usage, "cache_read_input_tokens", cacheRead);
    }

    private void openai(JsonNode node) {
        String type = node.path("type").asString("");
        JsonNode response = switch (type) {
            case "response.completed", "response.incomplete", "response.failed" -> node.path("response");
            default -> node; // a whole response, or a Chat Completions chunk or answer
        };
        JsonNode usage = response.path("usage");
        if (!usage.isObject()) {
            return;
        }
        model = text(response, "model", model);
        id = text(response, "id", id);
        boolean chat = usage.has("prompt_tokens");
        long total = usage.path(chat ? "prompt_tokens" : "input_tokens").asLong(0);
        long cached = usage.path(chat ? "prompt_tokens_details" : "input_tokens_details").path("cached_tokens").asLong(0);
        input = Math.max(0, total - cached);
        cacheRead = cached;
        output = usage.path(chat ? "completion_tokens" : "output_tokens").asLong(0);
    }

    private static String text(JsonNode node, String field, String otherwise) {
        return node.path(field).isString() ? node.path(field).asString() : otherwise;
    }

    private static Long number(JsonNode node, String field, Long otherwise) {
        return node.path(field).isNumber() ? Long.valueOf(node.path(field).asLong()) : otherwise;
    }

    private static long number(JsonNode node, String field, long otherwise) {
        return node.path(field).isNumber() ? node.path(field).asLong() : otherwise;
    }
}
