package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.nightshift.dispatch.run.AgentRuns;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real Claude Code and Codex CLIs (where installed; required where CI installed them) on dispatch's run
 * path: the adapter's argv with a prompt that looks like an option, the real sandbox, the gateway with the
 * real key, a stand-in provider that checks it got that key. The CLI never holds the key (its whole
 * environment is the adapter's gateway settings: GatewaySandboxTest searches a sandbox for it); the run's
 * cost is the gateway's, priced from the stand-in's usage, whatever the CLI says.
 */
@Timeout(180)
class RealCliThroughGatewayTest {

    private static final String PROMPT = "--version: write a haiku about Kafka";

    private final String key = "sk-canary-" + UUID.randomUUID();

    private static AgentRuns runs(String agent, Path binary, String urlSetting, StandInModelApi api, String keyName, String key) throws Exception {
        return new AgentRuns(Map.of("nightshift.dispatch.agents." + agent + ".binary", binary.toString(),
                "nightshift.dispatch.gateway." + urlSetting, api.baseUri().toString()), Map.of(keyName, key));
    }

    @Test
    void claudeCompletesARunThroughTheGatewayAtTheGatewaysPrice() throws Exception {
        Path claude = StandInModelApiCliTest.cli("claude");
        try (StandInModelApi api = StandInModelApi.anthropic(key)) {
            api.usage(100, 20, 30, 40);
            api.answer("Partitions hum along.");
            RunFinished f;
            try (AgentRuns runs = runs("claude", claude, "anthropic-url", api, "ANTHROPIC_API_KEY", key)) {
                f = runs.run("claude", "sonnet", PROMPT, 1.0, Duration.ofSeconds(90), null).finished();
            }

            List<StandInModelApi.Recorded> calls = StandInModelApiCliTest.modelCalls(api);
            assertThat(f.getOutcome()).as(f.getReason()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(f.getSummary()).isEqualTo("Partitions hum along.");
            assertThat(calls).isNotEmpty().allSatisfy(call -> assertThat(call.headers()).containsEntry("x-api-key", List.of(key))
                    .doesNotContainKey("authorization"));
            assertThat(f.getMetered().getRequests()).isEqualTo(calls.size());
            // claude-sonnet-4 list prices (the stand-in answers as claude-sonnet-4-5): $3, $15, $3.75, $0.30 per million
            double each = (100 * 3 + 20 * 15 + 30 * 3.75 + 40 * 0.3) / 1e6;
            assertThat(f.getCostUsd()).isCloseTo(each * calls.size(), offset(1e-12));
            assertThat(f.getMetered().getCostUsd()).isEqualTo(f.getCostUsd());
            assertThat(f.getReportedCostUsd()).as("the CLI's own figure, kept beside (it prices the model it asked for)").isPositive();
        }
    }

    @Test
    void aClaudeRunPastItsBudgetAtTheGatewayEndsOverBudget() throws Exception {
        Path claude = StandInModelApiCliTest.cli("claude");
        try (StandInModelApi api = StandInModelApi.anthropic(key)) {
            api.usage(1000, 100_000, 0, 0); // $1.503 a request
            RunFinished f;
            try (AgentRuns runs = runs("claude", claude, "anthropic-url", api, "ANTHROPIC_API_KEY", key)) {
                f = runs.run("claude", "sonnet", PROMPT, 0.5, Duration.ofSeconds(90), null).finished();
            }

            assertThat(f.getOutcome()).as(f.getReason()).isEqualTo(Outcome.OVER_BUDGET);
            assertThat(f.getReason()).contains("the model gateway metered $1.5030 of its $0.50 budget");
            assertThat(StandInModelApiCliTest.modelCalls(api)).as("nothing went to the provider after the budget was passed").hasSize(1);
            assertThat(f.getCostUsd()).isCloseTo(1.503, offset(1e-9));
        }
    }

    @Test
    void codexCompletesARunThroughTheGatewayAtTheGatewaysPrice() throws Exception {
        Path codex = StandInModelApiCliTest.cli("codex");
        try (StandInModelApi api = StandInModelApi.openai(key)) {
            api.usage(5000, 300, 0, 4000);
            api.answer("Offsets march in line.");
            RunFinished f;
            try (AgentRuns runs = runs("codex", codex, "openai-url", api, "OPENAI_API_KEY", key)) {
                f = runs.run("codex", null, PROMPT, 1.0, Duration.ofSeconds(90), null).finished();
            }

            List<StandInModelApi.Recorded> calls = StandInModelApiCliTest.modelCalls(api);
            assertThat(f.getOutcome()).as(f.getReason()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(f.getSummary()).isEqualTo("Offsets march in line.");
            assertThat(calls).isNotEmpty().allSatisfy(call -> assertThat(call.headers()).containsEntry("authorization", List.of("Bearer " + key)));
            // gpt-5 list prices: $1.25 input, $10 output, $0.125 cached input per million; the cached tokens are inside the 5000
            double each = (1000 * 1.25 + 300 * 10 + 4000 * 0.125) / 1e6;
            assertThat(f.getMetered().getRequests()).isEqualTo(calls.size());
            assertThat(f.getCostUsd()).isCloseTo(each * calls.size(), offset(1e-12));
        }
    }

    @Test
    void aCodexRunPastItsBudgetAtTheGatewayEndsOverBudget() throws Exception {
        Path codex = StandInModelApiCliTest.cli("codex");
        try (StandInModelApi api = StandInModelApi.openai(key)) {
            api.usage(1000, 100_000, 0, 0); // $1.00125 a request
            RunFinished f;
            try (AgentRuns runs = runs("codex", codex, "openai-url", api, "OPENAI_API_KEY", key)) {
                f = runs.run("codex", null, PROMPT, 0.5, Duration.ofSeconds(90), null).finished();
            }

            assertThat(f.getOutcome()).as(f.getReason()).isEqualTo(Outcome.OVER_BUDGET);
            assertThat(f.getReason()).contains("the model gateway metered $1.0013 of its $0.50 budget");
            assertThat(StandInModelApiCliTest.modelCalls(api)).hasSize(1);
        }
    }
}
