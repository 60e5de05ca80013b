package dev.nightshift.dispatch.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import org.junit.jupiter.api.Test;

class AgentEnvironmentTest {

    private static final Map<String, String> SERVICE = Map.of("ANTHROPIC_API_KEY", "sk-ant-1", "CLAUDE_CODE_OAUTH_TOKEN", "oat-1",
            "OPENAI_API_KEY", "sk-oa-1", "CODEX_API_KEY", "cx-1", "GITHUB_TOKEN", "ghp-1", "TZ", "Europe/Paris", "FOO_TOKEN", "ft-1");

    private static AgentEnvironment environment(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("nightshift.dispatch.agents.codex.binary", "codex");
        all.put("nightshift.dispatch.agents.echo.binary", "echo");
        all.put("nightshift.dispatch.agents.echo.kind", "command");
        DispatchProperties properties = Sandboxes.properties(Path.of("/tmp/unused"), all);
        return new AgentEnvironment(properties, SERVICE);
    }

    @Test
    void noAgentGetsAModelKeyTheGatewayHoldsThem() {
        AgentEnvironment env = environment(Map.of());

        for (String agent : new String[] {"claude", "codex", "echo"}) {
            assertThat(env.of(agent, "/workspace")).as(agent).containsOnlyKeys("PATH", "HOME", "LANG", "TMPDIR").containsEntry("HOME", "/workspace");
        }
    }

    @Test
    void anAgentsOwnPassEnvGoesToItAlone() {
        AgentEnvironment env = environment(Map.of("nightshift.dispatch.agents.claude.pass-env", "TZ"));

        assertThat(env.of("claude", "/w")).containsEntry("TZ", "Europe/Paris");
        assertThat(env.of("codex", "/w")).doesNotContainKey("TZ");
    }

    @Test
    void anAgentsPassEnvRefusesSecretLookingNamesNamingTheSetting() {
        assertThatThrownBy(() -> environment(Map.of("nightshift.dispatch.agents.claude.pass-env", "ANTHROPIC_API_KEY")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nightshift.dispatch.agents.claude.pass-env names [ANTHROPIC_API_KEY]")
                .hasMessageContaining("the model gateway adds the model keys");
        AgentEnvironment allowed = environment(Map.of("nightshift.dispatch.agents.claude.pass-env", "FOO_TOKEN",
                "nightshift.dispatch.sandbox.pass-secret-env", "true"));
        assertThat(allowed.of("claude", "/w")).containsEntry("FOO_TOKEN", "ft-1");
    }

    @Test
    void sharedPassEnvGoesToEveryAgent() {
        AgentEnvironment env = environment(Map.of("nightshift.dispatch.sandbox.pass-env", "TZ"));

        assertThat(env.of("claude", "/w")).containsEntry("TZ", "Europe/Paris");
        assertThat(env.of("echo", "/w")).containsEntry("TZ", "Europe/Paris");
    }

    @Test
    void sharedPassEnvRefusesSecretLookingNamesNamingTheSetting() {
        for (String name : new String[] {"OPENAI_API_KEY", "github_token", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "GOOGLE_APPLICATION_CREDENTIALS"}) {
            assertThatThrownBy(() -> environment(Map.of("nightshift.dispatch.sandbox.pass-env", "TZ," + name)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("nightshift.dispatch.sandbox.pass-env names [" + name + "]")
                    .hasMessageContaining("nightshift.dispatch.sandbox.pass-secret-env=true");
        }
    }

    @Test
    void secretLookingSharedNamesPassWhenExplicitlyAllowed() {
        AgentEnvironment env = environment(Map.of("nightshift.dispatch.sandbox.pass-env", "GITHUB_TOKEN",
                "nightshift.dispatch.sandbox.pass-secret-env", "true"));

        assertThat(env.of("codex", "/w")).containsEntry("GITHUB_TOKEN", "ghp-1");
    }
}
