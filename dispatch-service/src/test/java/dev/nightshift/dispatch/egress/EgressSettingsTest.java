package dev.nightshift.dispatch.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import dev.nightshift.dispatch.DispatchApplication;
import dev.nightshift.dispatch.sandbox.Sandboxes;
import org.junit.jupiter.api.Test;

/** The egress settings bind with their documented defaults, and a wrong one stops dispatch at start-up, named. */
class EgressSettingsTest {

    @Test
    void theDefaultsAreSixtyFourConnectionsATenSecondHeadAndFiveIdleMinutes() {
        EgressLimits bound = Sandboxes.properties(Path.of("/tmp"), Map.of()).sandbox().egress();

        assertThat(bound).isEqualTo(EgressLimits.defaults());
        assertThat(bound).isEqualTo(new EgressLimits(64, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(10)));
    }

    @Test
    void theSettingsBind() {
        EgressLimits bound = Sandboxes.properties(Path.of("/tmp"), Map.of(
                "nightshift.dispatch.sandbox.egress.max-connections-per-run", "8",
                "nightshift.dispatch.sandbox.egress.head-timeout", "2s",
                "nightshift.dispatch.sandbox.egress.idle-timeout", "1m")).sandbox().egress();

        assertThat(bound).isEqualTo(new EgressLimits(8, Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(10)));
    }

    @Test
    void aWildcardOnAPublicSuffixInAllowHostsStopsStartUpNamingSettingAndEntry() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.dispatch.sandbox.allow-hosts=api.anthropic.com,*.github.io").close())
                .hasStackTraceContaining("nightshift.dispatch.sandbox.allow-hosts: network allowlist entry '*.github.io' is a wildcard "
                        + "on the public suffix 'github.io'");
    }

    @Test
    void aCapBelowOneStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> DispatchApplication.builder().registerShutdownHook(false).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=127.0.0.1:1",
                "--nightshift.dispatch.sandbox.egress.max-connections-per-run=0").close())
                .hasStackTraceContaining("nightshift.dispatch.sandbox.egress.max-connections-per-run must be at least 1, not 0");
    }
}
