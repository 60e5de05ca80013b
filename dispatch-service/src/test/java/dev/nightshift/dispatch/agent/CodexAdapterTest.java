package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Codex's JSONL events (codex-rs exec_events) as `codex exec --json` prints them. */
class CodexAdapterTest {

    private final CodexAdapter adapter = new CodexAdapter("codex");
    private final AgentRequest request = new AgentRequest("--help me: draft a post", "gpt-5-codex", List.of(), null, 1.0);

    @Test
    void buildsTheHeadlessCommandWithThePromptAfterDashDash() {
        assertThat(adapter.command("/usr/bin/codex", request)).containsExactly("/usr/bin/codex", "exec", "--json", "--skip-git-repo-check",
                "--ephemeral", "--dangerously-bypass-approvals-and-sandbox", "--color", "never", "--model", "gpt-5-codex",
                "--", "--help me: draft a post");
    }

    @Test
    void readsProgressUsageAndTheLastMessageAsTheResult() {
        List<AgentSignal> signals = parse(
                "{\"type\":\"thread.started\",\"thread_id\":\"0199a213-81c0-7800-8aa1-bbab2a035a53\"}",
                "{\"type\":\"turn.started\"}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"reasoning\",\"text\":\"**Planning**\"}}",
                "{\"type\":\"item.started\",\"item\":{\"id\":\"item_1\",\"type\":\"command_execution\",\"command\":\"bash -lc ls\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"in_progress\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"command_execution\",\"command\":\"bash -lc ls\",\"aggregated_output\":\"a.md\\n\",\"exit_code\":0,\"status\":\"completed\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_2\",\"type\":\"file_change\",\"changes\":[{\"path\":\"/workspace/draft.md\",\"kind\":\"add\"}],\"status\":\"completed\"}}",
                "{\"type\":\"item.started\",\"item\":{\"id\":\"item_3\",\"type\":\"web_search\",\"query\":\"kafka kraft\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_4\",\"type\":\"agent_message\",\"text\":\"Drafted it in draft.md.\"}}",
                "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":24763,\"cached_input_tokens\":24448,\"output_tokens\":122}}");

        assertThat(signals).containsExactly(
                new AgentSignal.Progress("Running bash -lc ls"),
                new AgentSignal.Progress("Writing draft.md"),
                new AgentSignal.Progress("Searching the web for kafka kraft"),
                new AgentSignal.Usage("gpt-5-codex", null, 24763 - 24448, 122, 0, 24448),
                new AgentSignal.Result("success", false, "Drafted it in draft.md.", null, 24763L, 122L, 1));
    }

    @Test
    void aFailedTurnIsAFailedResultInCodexsWords() {
        List<AgentSignal> signals = parse("{\"type\":\"turn.started\"}",
                "{\"type\":\"turn.failed\",\"error\":{\"message\":\"401 Unauthorized: missing API key\"}}");
        AgentSignal.Result r = (AgentSignal.Result) signals.getLast();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.text()).isEqualTo("401 Unauthorized: missing API key");
    }

    private List<AgentSignal> parse(String... lines) {
        AgentAdapter.LineParser parser = adapter.newParser(request);
        List<AgentSignal> signals = new ArrayList<>();
        for (String line : lines) {
            signals.addAll(parser.parse(line));
        }
        signals.addAll(parser.finish());
        return signals;
    }
}
