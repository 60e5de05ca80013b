package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import dev.nightshift.dispatch.run.RunOutcome;
import dev.nightshift.dispatch.sandbox.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real Codex CLI (npm @openai/codex), where installed, through its adapter, the sandbox, the egress
 * proxy and the process code. Its allowlist is empty, so its requests end at the proxy (403) without a
 * byte leaving this machine, and the sandbox holds no login: Codex must accept the argv and its failure
 * must be read in its own words. Offline, Codex 0.169 never gives up (it reports each retry, then
 * "waiting for network"), so the wall time stops it and its errors are what the run reports.
 */
@Timeout(90)
class CodexCliTest {

    @Test
    void theRealCliAcceptsTheCommandAndItsFailureIsRead() throws Exception {
        RealCli codex = RealCli.find("codex");
        // a prompt that looks like an option: read as one, the CLI would print its version and exit 0
        AgentRequest request = new AgentRequest("--version: write a haiku about Kafka into haiku.md", null, List.of(), null, 0.5);

        RealCli.Run run = codex.run(new CodexAdapter("codex"), request, new Network.Allowlist(List.of()), Duration.ofSeconds(20));

        assertThat(run.lines().getFirst()).as("the first event, so the argv was accepted and the prompt read as a prompt")
                .contains("\"type\":\"thread.started\"");
        assertThat(run.result().succeeded()).isFalse();
        assertThat(run.result().text()).as("Codex's own error: the proxy refused its connection").contains("CONNECT failed with status 403");
        assertThat(RunOutcome.of(run.exit(), run.result(), Duration.ofSeconds(20), 0.0, null).getReason())
                .startsWith("no result within the wall-time budget of PT20S").contains("its last error: ").contains("403");
    }
}
