package dev.nightshift.dispatch.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * Claude Code headless: {@code claude -p --output-format stream-json --verbose ... -- PROMPT}, one JSON
 * object per line. Tool uses become progress, the result line the outcome; unknown line types and
 * lines that are not JSON are skipped.
 */
public record ClaudeCodeAdapter(String name) implements AgentAdapter {


    public ClaudeCodeAdapter() {
        this("claude");
    }

    @Override
    public Optional<ModelApi> modelApi() {
        return Optional.of(ModelApi.ANTHROPIC);
    }

    /**
     * Claude Code's LLM-gateway settings: the base URL (the CLI appends /v1/messages), the run token as a
     * bearer token, an empty API key (a set one would win over the gateway), and no traffic but the model's.
     */
    @Override
    public Map<String, String> gatewayEnvironment(String url, String token) {
        return Map.of("ANTHROPIC_BASE_URL", url, "ANTHROPIC_AUTH_TOKEN", token, "ANTHROPIC_API_KEY", "",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    }

    @Override
    public List<String> command(String binary, AgentRequest request) {
        List<String> argv = new ArrayList<>(List.of(binary, "-p", "--output-format", "stream-json", "--verbose"));
        if (request.model() != null && !request.model().isBlank()) {
            argv.addAll(List.of("--model", request.model()));
        }
        if (request.maxTurns() != null) {
            argv.addAll(List.of("--max-turns", request.maxTurns().toString()));
        }
        if (request.maxCostUsd() != null) {
            argv.addAll(List.of("--max-budget-usd", request.maxCostUsd().toString()));
        }
        if (!request.allowedTools().isEmpty()) {
            // variadic: last, so it cannot swallow another option's value
            argv.add("--allowedTools");
            argv.addAll(request.allowedTools());
        }
        // the prompt after "--": a task titled "--dangerously-skip-permissions" is a prompt, never an option
        argv.add("--");
        argv.add(request.prompt());
        return argv;
    }

    @Override
    public LineParser newParser(AgentRequest request) {
        return ClaudeCodeAdapter::parseLine;
    }

    static List<AgentSignal> parseLine(String line) {
        JsonNode event = JsonLines.object(line).orElse(null);
        if (event == null) {
            return List.of();
        }
        return switch (event.path("type").asString("")) {
            case "assistant" -> {
                List<AgentSignal> signals = new ArrayList<>();
                toolUse(event.path("message").path("content")).ifPresent(signals::add);
                usage(event.path("message")).ifPresent(signals::add);
                yield signals;
            }
            case "result" -> List.of(result(event));
            default -> List.of();
        };
    }

    /** The message's tokens: what dispatch prices to stop a run at its budget before the CLI's own total comes. */
    private static Optional<AgentSignal> usage(JsonNode message) {
        JsonNode u = message.path("usage");
        if (!u.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new AgentSignal.Usage(message.path("model").asString("unknown"),
                message.path("id").isString() ? message.path("id").asString() : null,
                u.path("input_tokens").asLong(0), u.path("output_tokens").asLong(0),
                u.path("cache_creation_input_tokens").asLong(0), u.path("cache_read_input_tokens").asLong(0)));
    }

    /** One progress line per assistant message: its first tool use. */
    private static Optional<AgentSignal> toolUse(JsonNode content) {
        for (JsonNode item : content) {
            if ("tool_use".equals(item.path("type").asString(""))) {
                return Optional.of(new AgentSignal.Progress(ToolUseLines.describe(item.path("name").asString("a tool"), item.path("input"))));
            }
        }
        return Optional.empty();
    }

    private static AgentSignal.Result result(JsonNode event) {
        JsonNode usage = event.path("usage");
        return new AgentSignal.Result(
                event.path("subtype").asString("unknown"),
                event.path("is_error").asBoolean(false),
                event.path("result").isString() ? event.path("result").asString() : null,
                event.path("total_cost_usd").isNumber() ? event.path("total_cost_usd").asDouble() : null,
                usage.path("input_tokens").isNumber() ? usage.path("input_tokens").asLong() : null,
                usage.path("output_tokens").isNumber() ? usage.path("output_tokens").asLong() : null,
                event.path("num_turns").isNumber() ? event.path("num_turns").asInt() : null);
    }
}
