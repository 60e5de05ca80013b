package dev.nightshift.dispatch.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;

import dev.nightshift.dispatch.agent.AgentSignal;
import org.junit.jupiter.api.Test;

class SpendMeterTest {

    private final PriceTable prices = new PriceTable(Map.of("my-gateway-model", new PriceTable.Price(1, 2, 0, 0)));

    @Test
    void pricesTokensByTheLongestMatchingModelPrefix() {
        // Sonnet 4.5: $3 in, $15 out, $3.75 cache write, $0.30 cache read per million
        assertThat(prices.usd(new AgentSignal.Usage("claude-sonnet-4-5-20250929", null, 1_000_000, 100_000, 200_000, 1_000_000)))
                .isCloseTo(3 + 1.5 + 0.75 + 0.3, within(1e-9));
        assertThat(prices.usd(new AgentSignal.Usage("claude-opus-4-5-20251101", null, 0, 1_000_000, 0, 0))).isCloseTo(25, within(1e-9));
        assertThat(prices.usd(new AgentSignal.Usage("claude-opus-4-1-20250805", null, 0, 1_000_000, 0, 0))).isCloseTo(75, within(1e-9));
        assertThat(prices.usd(new AgentSignal.Usage("my-gateway-model-v2", null, 1_000_000, 1_000_000, 0, 0))).isCloseTo(3, within(1e-9));
    }

    @Test
    void anUnknownModelIsPricedAsTheDearest() {
        assertThat(prices.usd(new AgentSignal.Usage("mystery-1", null, 0, 1_000_000, 0, 0))).isCloseTo(75, within(1e-9));
    }

    @Test
    void aMessageReportedAgainAsItGrowsCountsOnce() {
        SpendMeter meter = new SpendMeter(prices);
        meter.add(new AgentSignal.Usage("claude-sonnet-4-5", "msg_1", 0, 10_000, 0, 0));
        meter.add(new AgentSignal.Usage("claude-sonnet-4-5", "msg_1", 0, 20_000, 0, 0));
        meter.add(new AgentSignal.Usage("claude-sonnet-4-5", "msg_2", 0, 20_000, 0, 0));
        assertThat(meter.spentUsd()).isCloseTo(0.6, within(1e-9));
    }

    @Test
    void theAgentsOwnTotalStands() {
        SpendMeter meter = new SpendMeter(prices);
        meter.add(new AgentSignal.Usage("claude-sonnet-4-5", "msg_1", 0, 20_000, 0, 0));
        meter.reported(0.25);
        assertThat(meter.spentUsd()).isEqualTo(0.25);
    }
}
