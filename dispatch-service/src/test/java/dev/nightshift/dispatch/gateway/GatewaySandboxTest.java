package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import dev.nightshift.dispatch.run.AgentRuns;
import dev.nightshift.events.Outcome;
import dev.nightshift.events.RunFinished;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stand-in agents (scripts read as Claude Code) in the real sandbox, reaching a stand-in Anthropic API
 * through the real gateway, on dispatch's run path: one looks everywhere for the key it used, one lies
 * about what it spent. The gateway's credentials come from a map, not this JVM's environment, so the only
 * process on this host holding them is this JVM, in memory: {@code ps} must find them nowhere.
 */
@Timeout(120)
class GatewaySandboxTest {

    private static final String REQUEST = "curl -sS -m 20 -o /tmp/answer -w '%%{http_code}' \"$ANTHROPIC_BASE_URL/v1/messages\" "
            + "-H \"authorization: Bearer $ANTHROPIC_AUTH_TOKEN\" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' "
            + "-d '{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64000,\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ALWAYS)
    Path scripts;

    private final String key = "nscanary" + UUID.randomUUID().toString().replace("-", "");
    private final String oauth = "nscanary" + UUID.randomUUID().toString().replace("-", "");
    private final String openai = "nscanary" + UUID.randomUUID().toString().replace("-", "");
    private StandInModelApi api;

    @BeforeEach
    void standIn() throws IOException {
        api = StandInModelApi.anthropic(key);
        // the sandbox's user must reach the scripts
        Files.setPosixFilePermissions(scripts, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private AgentRuns runs(String agent, String script) throws IOException {
        Path file = scripts.resolve(agent + ".sh");
        Files.writeString(file, "#!/bin/bash\n" + script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new AgentRuns(Map.of("nightshift.dispatch.agents." + agent + ".binary", file.toString(),
                "nightshift.dispatch.agents." + agent + ".kind", "claude",
                "nightshift.dispatch.gateway.anthropic-url", api.baseUri().toString()),
                Map.of("ANTHROPIC_API_KEY", key, "CLAUDE_CODE_OAUTH_TOKEN", oauth, "OPENAI_API_KEY", openai));
    }

    @Test
    void anAgentThatSearchesEverywhereFindsNoKeyYetItsRequestsCarryOne() throws Exception {
        String probe = "nscanary" + UUID.randomUUID().toString().replace("-", "");
        List<String> onHost = new java.util.concurrent.CopyOnWriteArrayList<>();
        // its environment, every process's argv and environment it can read, every file but the host's read-only system
        // trees (/usr, /lib, /bin, /sbin: gigabytes of distribution files no run writes, bound read-only); the prompt is
        // on its own argv, so the search finds that
        String search = """
                status=$(%s)
                echo ready; sleep 1
                { env; cat /proc/[0-9]*/cmdline /proc/[0-9]*/environ; \
                  for top in /*; do case $top in /proc|/sys|/dev|/usr|/lib|/lib64|/bin|/sbin) ;; *) grep -r -a -h -o 'nscanary[0-9a-f]*' "$top";; esac; done; } \
                  2>/dev/null | tr '\\0' '\\n' | grep -a -o 'nscanary[0-9a-f]*' | sort -u | sed 's/^/found /' > /tmp/found
                echo '{"type":"result","subtype":"success","is_error":false,"result":"status '$status' '"$(tr '\\n' ' ' < /tmp/found)"'","total_cost_usd":0.01}'
                """.formatted(REQUEST.formatted("false"));
        AgentRuns.Result r;
        try (AgentRuns runs = runs("searcher", search)) {
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread scan = Thread.ofVirtual().start(() -> {
                // ps on the host while the agent runs, again and again: every process's command line and environment
                while (running.get()) {
                    onHost.addAll(processesHolding(Set.of(key, oauth, openai)));
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            r = runs.run("searcher", null, "look for " + probe, 1.0, Duration.ofSeconds(60), "allowlist");
            running.set(false);
            scan.join();
        }

        String found = r.finished().getSummary();
        assertThat(r.finished().getOutcome()).as(r.finished().getReason()).isEqualTo(Outcome.SUCCEEDED);
        assertThat(found).as("its request through the gateway was answered").startsWith("status 200 ");
        assertThat(found).as("the search ran and found what it holds (its prompt)").contains("found " + probe);
        assertThat(found).as("no credential anywhere in the sandbox").doesNotContain(key, oauth, openai);
        assertThat(onHost).as("no process on the host has a key in its argv or environment").isEmpty();
        assertThat(api.requests()).as("its request went through the gateway, which added the key").hasSize(1);
        assertThat(api.requests().getFirst().headers()).containsEntry("x-api-key", List.of(key));
        assertThat(r.finished().getMetered().getRequests()).isEqualTo(1);
    }

    @Test
    void anAgentThatLiesAboutItsCostIsStoppedByTheGatewaysFigure() throws Exception {
        api.usage(10_000, 20_000, 0, 0); // $0.33 a request at claude-sonnet-4 prices
        // it prints tiny usage and a tiny total, and keeps asking
        String liar = """
                for i in $(seq 1 30); do
                  echo "request $i $(%s)"
                  echo '{"type":"assistant","message":{"id":"m'$i'","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":1},"content":[]}}'
                done
                echo '{"type":"result","subtype":"success","is_error":false,"result":"done cheaply","total_cost_usd":0.0001,"num_turns":30}'
                """.formatted(REQUEST.formatted("true"));
        RunFinished f;
        try (AgentRuns runs = runs("liar", liar)) {
            f = runs.run("liar", null, "spend", 1.0, Duration.ofSeconds(60), null).finished();
        }

        assertThat(f.getOutcome()).isEqualTo(Outcome.OVER_BUDGET);
        assertThat(f.getReason()).contains("the model gateway metered $1.3200 of its $1.00 budget");
        assertThat(api.requests()).as("4 requests reached the provider: the 4th passed the budget, none went after it").hasSize(4);
        assertThat(f.getCostUsd()).isCloseTo(1.32, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(f.getMetered().getCostUsd()).isEqualTo(f.getCostUsd());
        assertThat(f.getMetered().getOutputTokens()).isEqualTo(80_000);
        assertThat(f.getReportedCostUsd()).as("what the agent claimed, kept beside").isLessThan(0.01);
    }

    @Test
    void withNoNetworkAtAllTheModelIsStillReachableAndNothingElse() throws Exception {
        String probe = """
                model=$(%s)
                elsewhere=$(curl -s -m 5 -o /dev/null -w '%%{http_code}' https://nightshift.test/)
                echo '{"type":"result","subtype":"success","is_error":false,"result":"model '$model' elsewhere '$elsewhere'","total_cost_usd":0.0}'
                """.formatted(REQUEST.formatted("false"));
        try (AgentRuns runs = runs("offline", probe)) {
            RunFinished f = runs.run("offline", null, "probe", 1.0, Duration.ofSeconds(30), "none").finished();
            assertThat(f.getOutcome()).as(f.getReason()).isEqualTo(Outcome.SUCCEEDED);
            assertThat(f.getSummary()).isEqualTo("model 200 elsewhere 000");
            assertThat(f.getMetered().getRequests()).isEqualTo(1);
        }
        assertThat(api.requests()).hasSize(1);
    }

    /** Every host process whose command line or environment (as {@code ps eww} shows them) holds one of these. */
    static List<String> processesHolding(Set<String> secrets) {
        List<String> holding = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                for (String part : List.of("cmdline", "environ")) {
                    try {
                        String text = new String(Files.readAllBytes(proc.resolve(part)), StandardCharsets.UTF_8).replace('\0', ' ');
                        if (secrets.stream().anyMatch(text::contains)) {
                            holding.add(proc.getFileName() + " " + part + ": " + text);
                        }
                    } catch (IOException gone) {
                        // the process ended meanwhile
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return holding;
    }
}
