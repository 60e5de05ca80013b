package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.nightshift.dispatch.sandbox.Sandboxes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigurationTest {

    @TempDir
    Path dir;

    private ModelGateway gateway(Map<String, String> settings, Map<String, String> environment) throws Exception {
        return GatewayConfiguration.create(Sandboxes.properties(dir, settings), environment, new SimpleMeterRegistry());
    }

    @Test
    void anApiKeyWinsOverAnOAuthTokenAndOnlyWhereEachCameFromIsDescribed() throws Exception {
        try (ModelGateway g = gateway(Map.of(), Map.of("ANTHROPIC_API_KEY", "sk-ant-secret", "CLAUDE_CODE_OAUTH_TOKEN", "oat-secret"))) {
            assertThat(g.describe()).containsExactly("anthropic: API key from $ANTHROPIC_API_KEY", "openai: no credential");
            assertThat(String.join(" ", g.describe())).doesNotContain("secret");
        }
        try (ModelGateway g = gateway(Map.of(), Map.of("CLAUDE_CODE_OAUTH_TOKEN", "oat-secret", "CODEX_API_KEY", "cx"))) {
            assertThat(g.describe()).containsExactly("anthropic: OAuth token from $CLAUDE_CODE_OAUTH_TOKEN", "openai: API key from $CODEX_API_KEY");
        }
    }

    @Test
    void aMountedSecretsFilesComeBeforeTheEnvironment() throws Exception {
        Path secrets = Files.createDirectory(dir.resolve("model-credentials"));
        Files.writeString(secrets.resolve("OPENAI_API_KEY"), "sk-from-file\n");
        try (ModelGateway g = gateway(Map.of("nightshift.dispatch.gateway.credentials-directory", secrets.toString()),
                Map.of("OPENAI_API_KEY", "sk-from-env"))) {
            assertThat(g.describe()).contains("openai: API key from " + secrets.resolve("OPENAI_API_KEY"));
        }
    }

    @Test
    void aProvidersUrlMustBeHttpsOrLoopback() {
        assertThat(GatewayConfiguration.checked("anthropic-url", URI.create("https://llm.internal.example/anthropic")))
                .hasHost("llm.internal.example");
        assertThat(GatewayConfiguration.checked("anthropic-url", URI.create("http://127.0.0.1:8089"))).hasPort(8089);
        for (String url : new String[] {"http://api.anthropic.com", "http://10.0.0.5:8080", "ftp://127.0.0.1", "api.openai.com",
                "https://user:pw@api.openai.com", "https://api.openai.com/?x=1"}) {
            assertThatThrownBy(() -> GatewayConfiguration.checked("openai-url", URI.create(url))).as(url)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nightshift.dispatch.gateway.openai-url");
        }
    }
}
