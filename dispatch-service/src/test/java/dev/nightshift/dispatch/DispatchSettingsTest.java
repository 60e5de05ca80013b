package dev.nightshift.dispatch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A wrong setting stops dispatch at start-up, and the failure names the settings at fault. */
class DispatchSettingsTest {

    private static final String KEY = "test:" + "k".repeat(32);

    @Test
    void withoutASigningKeyDispatchDoesNotStartAndNamesIt() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1").close())
                .hasStackTraceContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) is not set");
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.signing.key=test:short").close())
                .hasStackTraceContaining("nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY) (key id test): the secret has 5 characters, at least 32");
    }

    @Test
    void aLimitThatIsNotPositiveIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.signing.key=" + KEY,
                "--nightshift.dispatch.ceiling.limits.memory=-1").close())
                .hasStackTraceContaining("every limit must be positive: nightshift.dispatch.ceiling.limits.memory -1B");
    }

    @Test
    void anUnknownSandboxKindIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.signing.key=" + KEY,
                "--nightshift.dispatch.sandbox.kind=docker").close())
                .hasStackTraceContaining("nightshift.dispatch.sandbox.kind");
    }

    @Test
    void anUnknownAgentKindIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.signing.key=" + KEY,
                "--nightshift.dispatch.agents.aider.binary=aider",
                "--nightshift.dispatch.agents.aider.kind=aider").close())
                .hasStackTraceContaining("nightshift.dispatch.agents.aider.kind must be claude, codex or command");
    }
}
