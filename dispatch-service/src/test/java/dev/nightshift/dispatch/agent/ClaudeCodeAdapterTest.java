package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class ClaudeCodeAdapterTest {

    private final ClaudeCodeAdapter adapter = new ClaudeCodeAdapter();

    @Test
    void buildsTheHeadlessCommandWithThePromptAsOneArgument() {
        String prompt = "Write a post about \"agents\"; $(rm -rf /) & more\nsecond line";
        List<String> argv = adapter.command("/usr/local/bin/claude",
                new AgentRequest(prompt, "sonnet", List.of("Read", "Write", "Bash(uv run:*)"), 30, 1.5));

        assertThat(argv).containsExactly("/usr/local/bin/claude", "-p", "--output-format", "stream-json", "--verbose",
                "--model", "sonnet", "--max-turns", "30", "--max-budget-usd", "1.5",
                "--allowedTools", "Read", "Write", "Bash(uv run:*)", "--", prompt);
    }

    @Test
    void leavesOutWhatTheWorkerDoesNotSet() {
        assertThat(adapter.command("claude", new AgentRequest("hi", null, List.of(), null, null)))
                .containsExactly("claude", "-p", "--output-format", "stream-json", "--verbose", "--", "hi");
    }

    @Test
    void aPromptThatLooksLikeAnOptionStaysThePrompt() {
        List<String> argv = adapter.command("claude", new AgentRequest("--dangerously-skip-permissions and more", null, List.of("Read"), null, null));
        assertThat(argv.subList(argv.size() - 2, argv.size())).containsExactly("--", "--dangerously-skip-permissions and more");
        assertThat(argv.indexOf("--dangerously-skip-permissions and more")).isEqualTo(argv.indexOf("--") + 1);
    }

    @Test
    void turnsToolUsesIntoStatusLines() {
        assertThat(parse(assistantToolUse("Read", "{\"file_path\":\"/workspace/notes/CLAUDE.md\"}")))
                .contains(new AgentSignal.Progress("Reading notes/CLAUDE.md"));
        assertThat(parse(assistantToolUse("Write", "{\"file_path\":\"/workspace/draft.md\",\"content\":\"x\"}")))
                .contains(new AgentSignal.Progress("Writing draft.md"));
        assertThat(parse(assistantToolUse("Edit", "{\"file_path\":\"/elsewhere/a.txt\"}")))
                .contains(new AgentSignal.Progress("Writing /elsewhere/a.txt"));
        assertThat(parse(assistantToolUse("Bash", "{\"command\":\"uv run pytest\\nexit 0\"}")))
                .contains(new AgentSignal.Progress("Running uv run pytest ..."));
        assertThat(parse(assistantToolUse("Grep", "{\"pattern\":\"TODO\"}")))
                .contains(new AgentSignal.Progress("Searching for TODO"));
        assertThat(parse(assistantToolUse("WebSearch", "{\"query\":\"kafka kraft\"}")))
                .contains(new AgentSignal.Progress("Searching the web for kafka kraft"));
        assertThat(parse(assistantToolUse("mcp__linear__get_issue", "{}")))
                .contains(new AgentSignal.Progress("Using mcp__linear__get_issue"));
    }

    @Test
    void cutsLongStatusLines() {
        String longCommand = "echo " + "x".repeat(500);
        AgentSignal.Progress p = (AgentSignal.Progress) parse(assistantToolUse("Bash", "{\"command\":\"" + longCommand + "\"}")).orElseThrow();
        assertThat(p.line()).hasSize(120).endsWith("...");
    }

    @Test
    void readsTheResultLine() {
        String line = """
                {"type":"result","subtype":"success","is_error":false,"duration_ms":2301,"num_turns":3,"result":"Drafted it.","session_id":"s","total_cost_usd":0.0312,"usage":{"input_tokens":12,"cache_read_input_tokens":0,"output_tokens":60}}""";
        assertThat(parse(line)).contains(new AgentSignal.Result("success", false, "Drafted it.", 0.0312, 12L, 60L, 3));
        assertThat(((AgentSignal.Result) parse(line).orElseThrow()).succeeded()).isTrue();
    }

    @Test
    void anErrorFlagOverridesASuccessSubtype() {
        AgentSignal.Result r = (AgentSignal.Result) parse("{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":true,\"result\":\"API Error\"}").orElseThrow();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.overBudget()).isFalse();
    }

    @Test
    void readsTheResultClaudeCodeGivesWithoutALogin() {
        // recorded from Claude Code 2.1.197, run headless without credentials (exit code 1)
        String line = """
                {"type":"result","subtype":"success","is_error":true,"api_error_status":null,"duration_ms":119,"duration_api_ms":0,"num_turns":1,"result":"Not logged in · Please run /login","stop_reason":"stop_sequence","session_id":"e4c96758-6dd6-4f21-adb4-6d61773dd13b","total_cost_usd":0,"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0,"web_fetch_requests":0},"service_tier":"standard"}}""";
        assertThat(parse(line)).contains(new AgentSignal.Result("success", true, "Not logged in · Please run /login", 0.0, 0L, 0L, 1));
        assertThat(((AgentSignal.Result) parse(line).orElseThrow()).succeeded()).isFalse();
    }

    @Test
    void budgetStopsAreOverBudget() {
        assertThat(((AgentSignal.Result) parse("{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true}").orElseThrow()).overBudget()).isTrue();
        assertThat(((AgentSignal.Result) parse("{\"type\":\"result\",\"subtype\":\"error_max_budget_usd\",\"is_error\":true}").orElseThrow()).overBudget()).isTrue();
    }

    @Test
    void skipsWhatItDoesNotKnow() {
        assertThat(parse("{\"type\":\"system\",\"subtype\":\"init\",\"cwd\":\"/workspace\",\"tools\":[]}")).isEmpty();
        assertThat(parse("{\"type\":\"stream_event\",\"event\":{}}")).isEmpty();
        assertThat(parse("{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":\"ok\"}]}}")).isEmpty();
        assertThat(parse("{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"thinking\"}]}}")).isEmpty();
        assertThat(parse("Warning: not JSON at all")).isEmpty();
        assertThat(parse("{\"type\": \"result\", broken")).isEmpty();
        assertThat(parse("")).isEmpty();
        assertThat(parse("[1,2]")).isEmpty();
    }

    /** The line's signal other than usage (tested apart). */
    private Optional<AgentSignal> parse(String line) {
        return adapter.newParser(null).parse(line).stream().filter(s -> !(s instanceof AgentSignal.Usage)).findFirst();
    }

    @Test
    void readsEachMessagesUsage() {
        String line = "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_7\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"ok\"}],\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":1200,"
                + "\"cache_read_input_tokens\":5000,\"output_tokens\":250}}}";
        assertThat(adapter.newParser(null).parse(line)).containsExactly(
                new AgentSignal.Usage("claude-sonnet-4-5-20250929", "msg_7", 3, 250, 1200, 5000));
    }

    private static String assistantToolUse(String name, String input) {
        return "{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\""
                + name + "\",\"input\":" + input + "}]},\"session_id\":\"s\"}";
    }
}
