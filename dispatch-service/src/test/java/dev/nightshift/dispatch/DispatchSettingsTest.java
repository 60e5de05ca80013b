package dev.nightshift.dispatch;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A wrong setting stops dispatch at start-up, and the failure names the settings at fault. */
class DispatchSettingsTest {

    @Test
    void aPollIntervalShorterThanTheLongestTaskIsRefused() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--spring.kafka.admin.auto-create=false",
                "--nightshift.dispatch.sandbox.kind=none",
                "--nightshift.dispatch.ceiling.max-wall-time=2h",
                "--spring.kafka.consumer.properties.max.poll.interval.ms=3600000").close())
                .hasStackTraceContaining("spring.kafka.consumer.properties.max.poll.interval.ms (PT1H) is shorter than the longest task")
                .hasStackTraceContaining("nightshift.dispatch.ceiling.max-attempts");
    }

    @Test
    void anUnknownSandboxKindIsNamed() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.dispatch.sandbox.kind=docker").close())
                .hasStackTraceContaining("nightshift.dispatch.sandbox.kind");
    }
}
