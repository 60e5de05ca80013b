package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import dev.nightshift.dispatch.sandbox.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real Claude Code CLI (npm @anthropic-ai/claude-code), where installed, through the adapter, the
 * sandbox and the process code: it accepts the command line the adapter builds, and its stream-json is
 * read. The sandbox has no network and holds no login, so the CLI answers with an error result: what
 * matters is that the argv is accepted and the result line is understood.
 */
@Timeout(120)
class ClaudeCodeCliTest {

    @Test
    void theRealCliAcceptsTheCommandAndItsResultIsRead() throws Exception {
        RealCli claude = RealCli.find("claude");
        // a prompt that looks like an option: read as one, the CLI would print its version and exit 0
        AgentRequest request = new AgentRequest("--version: write a haiku about Kafka into haiku.md", "sonnet", List.of("Read", "Write"), 3, 0.5);

        RealCli.Run run = claude.run(new ClaudeCodeAdapter(), request, new Network.None(), Duration.ofSeconds(60));

        assertThat(run.exit().timedOut()).as("the CLI answered within a minute; stderr: " + run.exit().stderrTail()).isFalse();
        assertThat(run.lines().getFirst()).as("the init line, so the argv was accepted and the prompt read as a prompt")
                .contains("\"subtype\":\"init\"");
        assertThat(run.result().succeeded()).isFalse();
        assertThat(run.result().text()).isNotBlank();
        assertThat(run.exit().exitCode()).isNotZero();
    }
}
