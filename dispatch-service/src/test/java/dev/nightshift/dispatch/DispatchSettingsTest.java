package dev.nightshift.dispatch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A wrong setting stops dispatch at start-up, and the failure names the settings at fault. */
class DispatchSettingsTest {

    @Test
    void anUnknownSandboxKindIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.dispatch.sandbox.kind=docker").close())
                .hasStackTraceContaining("nightshift.dispatch.sandbox.kind");
    }

    @Test
    void anUnknownAgentKindIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.dispatch.agents.aider.binary=aider",
                "--nightshift.dispatch.agents.aider.kind=aider").close())
                .hasStackTraceContaining("nightshift.dispatch.agents.aider.kind must be claude, codex or command");
    }
}
