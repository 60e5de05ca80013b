package dev.nightshift.dispatch.budget;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.nightshift.dispatch.agent.AgentSignal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a model's tokens cost, in USD per million tokens, by model-name prefix (the longest matching
 * prefix wins, so {@code claude-sonnet-4} prices {@code claude-sonnet-4-5-20250929}). Built-in list
 * prices, overridden and extended by {@code nightshift.dispatch.prices}. A model that matches nothing is
 * priced at the table's most expensive entry: a budget may stop a run early, never late.
 */
public final class PriceTable {

    private static final Logger log = LoggerFactory.getLogger(PriceTable.class);

    /** USD per million tokens. */
    public record Price(double input, double output, double cacheWrite, double cacheRead) {
    }

    /** Public list prices (USD per million tokens) of the models the adapters run by default. */
    static final Map<String, Price> LIST = Map.of(
            "claude-opus-4-5", new Price(5, 25, 6.25, 0.5),
            "claude-opus-4", new Price(15, 75, 18.75, 1.5),
            "claude-sonnet-4", new Price(3, 15, 3.75, 0.3),
            "claude-haiku-4", new Price(1, 5, 1.25, 0.1),
            "claude-3-5-haiku", new Price(0.8, 4, 1, 0.08),
            "gpt-5", new Price(1.25, 10, 1.25, 0.125),
            "gpt-5-mini", new Price(0.25, 2, 0.25, 0.025));

    private final Map<String, Price> prices;
    private final Price dearest;
    private final Set<String> unknownWarned = ConcurrentHashMap.newKeySet();

    public PriceTable(Map<String, Price> overrides) {
        Map<String, Price> all = new HashMap<>(LIST);
        all.putAll(overrides);
        this.prices = Map.copyOf(all);
        this.dearest = all.values().stream().max(Comparator.comparingDouble(Price::output)).orElseThrow();
    }

    public double usd(AgentSignal.Usage u) {
        Price p = priceOf(u.model());
        return (u.input() * p.input() + u.output() * p.output() + u.cacheWrite() * p.cacheWrite() + u.cacheRead() * p.cacheRead()) / 1e6;
    }

    Price priceOf(String model) {
        String m = model == null ? "" : model.toLowerCase();
        return prices.entrySet().stream()
                .filter(e -> m.startsWith(e.getKey()))
                .max(Comparator.comparingInt(e -> e.getKey().length()))
                .map(Map.Entry::getValue)
                .orElseGet(() -> {
                    if (unknownWarned.add(m)) {
                        log.warn("no price for model '{}' (nightshift.dispatch.prices): priced as the dearest in the table, {}", m, dearest);
                    }
                    return dearest;
                });
    }
}
