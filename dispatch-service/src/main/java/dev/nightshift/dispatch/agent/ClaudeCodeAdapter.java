package dev.nightshift.dispatch.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Claude Code headless: {@code claude -p --output-format stream-json --verbose ... -- PROMPT}, one JSON
 * object per line. Tool uses become progress, the result line the outcome; unknown line types and
 * lines that are not JSON are skipped.
 */
@Component
public class ClaudeCodeAdapter implements AgentAdapter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    public String name() {
        return "claude";
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
    public LineParser newParser() {
        return ClaudeCodeAdapter::parseLine;
    }

    static Optional<AgentSignal> parseLine(String line) {
        if (line.isBlank() || line.charAt(0) != '{') {
            return Optional.empty();
        }
        JsonNode event;
        try {
            event = JSON.readTree(line);
        } catch (JacksonException e) {
            return Optional.empty();
        }
        return switch (event.path("type").asString("")) {
            case "assistant" -> toolUse(event.path("message").path("content"));
            case "result" -> Optional.of(result(event));
            default -> Optional.empty();
        };
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
