package dev.nightshift.dispatch.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * OpenAI Codex headless: {@code codex exec --json ... -- PROMPT}, one JSONL event per line. Commands, file
 * changes, web searches and MCP calls become progress; {@code turn.completed} gives the usage (priced as
 * the request's model) and the result, the last agent message its text; {@code turn.failed} is a failed
 * result with Codex's own error. Codex's sandbox and approvals are off: it runs inside dispatch's sandbox,
 * which is what contains it, and nobody is there to approve. It has no flags for turns or cost: dispatch
 * stops it at its cost budget itself, and a worker's allowed-tools cannot narrow what it does.
 */
public record CodexAdapter(String name) implements AgentAdapter {

    /** The model Codex uses when the worker names none, for pricing. */
    static final String DEFAULT_MODEL = "gpt-5";

    /** The variable Codex reads its provider's key from: the run token. */
    static final String TOKEN_ENV = "NIGHTSHIFT_MODEL_TOKEN";

    @Override
    public Optional<ModelApi> modelApi() {
        return Optional.of(ModelApi.OPENAI);
    }

    @Override
    public Map<String, String> gatewayEnvironment(String url, String token) {
        return Map.of(TOKEN_ENV, token);
    }

    @Override
    public List<String> command(String binary, AgentRequest request) {
        List<String> argv = new ArrayList<>(List.of(binary, "exec", "--json", "--skip-git-repo-check", "--ephemeral",
                "--dangerously-bypass-approvals-and-sandbox", "--color", "never"));
        if (request.model() != null && !request.model().isBlank()) {
            argv.addAll(List.of("--model", request.model()));
        }
        if (request.gatewayUrl() != null) {
            // a provider of its own pointing at the run's gateway door, its key the run token (by name: no value on argv)
            argv.addAll(List.of("-c", "model_provider=\"nightshift\"", "-c", "model_providers.nightshift={name=\"nightshift\",base_url=\""
                    + request.gatewayUrl() + "/v1\",env_key=\"" + TOKEN_ENV + "\",wire_api=\"responses\"}",
                    // nothing but the model: no analytics, no plugin lookups (chatgpt.com, api.github.com), no wait for them at exit
                    "-c", "analytics.enabled=false", "-c", "features.plugins=false"));
        }
        argv.add("--");
        argv.add(request.prompt());
        return argv;
    }

    @Override
    public LineParser newParser(AgentRequest request) {
        String model = request.model() == null || request.model().isBlank() ? DEFAULT_MODEL : request.model();
        return new Parser(model);
    }

    /** Keeps the last agent message (the answer) and counts turns. */
    private static final class Parser implements LineParser {

        private final String model;
        private String lastMessage;
        private String firstError;
        private String lastError;
        private int turns;
        private boolean ended;

        Parser(String model) {
            this.model = model;
        }

        @Override
        public List<AgentSignal> parse(String line) {
            JsonNode event = JsonLines.object(line).orElse(null);
            if (event == null) {
                return List.of();
            }
            return switch (event.path("type").asString("")) {
                case "item.started" -> progress(event.path("item"));
                case "item.completed" -> {
                    JsonNode item = event.path("item");
                    String type = item.path("type").asString("");
                    if (type.equals("agent_message")) {
                        lastMessage = item.path("text").asString(lastMessage);
                    } else if (type.equals("file_change")) {
                        yield progress(item); // reported once done, with its paths
                    }
                    yield List.of();
                }
                case "error" -> {
                    lastError = event.path("message").asString(lastError);
                    firstError = firstError == null ? lastError : firstError;
                    yield List.of();
                }
                case "turn.completed" -> {
                    turns++;
                    ended = true;
                    JsonNode u = event.path("usage");
                    long input = u.path("input_tokens").asLong(0);
                    long cached = u.path("cached_input_tokens").asLong(0);
                    long output = u.path("output_tokens").asLong(0);
                    // OpenAI counts cached tokens inside input_tokens; they are priced apart
                    yield List.of(new AgentSignal.Usage(model, null, input - cached, output, 0, cached),
                            new AgentSignal.Result("success", false, lastMessage, null, input, output, turns));
                }
                case "turn.failed" -> {
                    ended = true;
                    yield List.of(new AgentSignal.Result("error_during_execution", true,
                            event.path("error").path("message").asString(lastError), null, null, null, turns));
                }
                default -> List.of();
            };
        }

        /**
         * Offline, Codex retries without end ("waiting for network"): when it is stopped, its errors are its word,
         * the first (the cause) and the last (where it was).
         */
        @Override
        public List<AgentSignal> finish() {
            if (ended || lastError == null) {
                return List.of();
            }
            String text = firstError.equals(lastError) ? lastError : firstError + "; last: " + lastError;
            return List.of(new AgentSignal.Result("error_during_execution", true, text, null, null, null, turns));
        }

        private static List<AgentSignal> progress(JsonNode item) {
            JsonNodeFactory f = JsonNodeFactory.instance;
            return switch (item.path("type").asString("")) {
                case "command_execution" -> List.of(new AgentSignal.Progress(
                        ToolUseLines.describe("Bash", f.objectNode().put("command", item.path("command").asString("")))));
                case "file_change" -> {
                    List<AgentSignal> lines = new ArrayList<>();
                    for (JsonNode change : item.path("changes")) {
                        String tool = change.path("kind").asString("").equals("delete") ? "Delete" : "Write";
                        lines.add(new AgentSignal.Progress(ToolUseLines.describe(tool, f.objectNode().put("file_path", change.path("path").asString("a file")))));
                    }
                    yield lines;
                }
                case "web_search" -> List.of(new AgentSignal.Progress(
                        ToolUseLines.describe("WebSearch", f.objectNode().put("query", item.path("query").asString("")))));
                case "mcp_tool_call" -> List.of(new AgentSignal.Progress(ToolUseLines.describe(
                        "mcp__" + item.path("server").asString("") + "__" + item.path("tool").asString(""), f.objectNode())));
                default -> List.of();
            };
        }
    }
}
