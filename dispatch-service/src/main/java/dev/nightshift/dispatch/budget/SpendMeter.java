package dev.nightshift.dispatch.budget;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.nightshift.dispatch.agent.AgentSignal;

/**
 * What one run has spent so far: its messages' tokens priced by the {@link PriceTable}, until the agent
 * reports its own total, which then stands. Fed from the run's output reader, one line at a time.
 */
public final class SpendMeter {

    private final PriceTable prices;
    private final Map<String, Double> byMessage = new LinkedHashMap<>();
    private int anonymous;
    private Double reported;

    public SpendMeter(PriceTable prices) {
        this.prices = prices;
    }

    public synchronized void add(AgentSignal.Usage usage) {
        String id = usage.messageId() != null ? usage.messageId() : "#" + anonymous++;
        byMessage.put(id, prices.usd(usage));
    }

    /** The agent's own total: it knows its prices and what it did not print. */
    public synchronized void reported(double totalUsd) {
        reported = totalUsd;
    }

    public synchronized double spentUsd() {
        if (reported != null) {
            return reported;
        }
        return byMessage.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
