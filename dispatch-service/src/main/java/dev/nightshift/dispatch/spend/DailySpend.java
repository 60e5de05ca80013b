package dev.nightshift.dispatch.spend;

import java.util.HashMap;
import java.util.Map;

import dev.nightshift.events.SpendEntry;

/**
 * A day's spend as every dispatcher sees it on nightshift.spend: each run counts its reservation until it
 * settles, then what it spent. Fed by the spend reader and by this instance's own writes (at once, so its
 * next decision counts them before they come back), from two threads.
 */
final class DailySpend {

    private final Map<String, Map<String, SpendEntry>> byDay = new HashMap<>();

    synchronized void apply(SpendEntry e) {
        Map<String, SpendEntry> runs = byDay.computeIfAbsent(e.getDay(), d -> new HashMap<>());
        SpendEntry known = runs.get(e.getRunId());
        // settled stays settled: the reservation may come back from Kafka after this instance applied the settlement
        if (known == null || known.getSpentUsd() == null) {
            runs.put(e.getRunId(), e);
        }
    }

    synchronized double total(String day) {
        return byDay.getOrDefault(day, Map.of()).values().stream()
                .mapToDouble(e -> e.getSpentUsd() != null ? e.getSpentUsd() : e.getReservedUsd())
                .sum();
    }

    /** Days before this one are done with: their entries go. */
    synchronized void forgetBefore(String day) {
        byDay.keySet().removeIf(d -> d.compareTo(day) < 0);
    }
}
