package dev.nightshift.dispatch.gateway;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import dev.nightshift.dispatch.agent.AgentSignal;
import dev.nightshift.dispatch.budget.PriceTable;

/**
 * What one run's requests through the gateway used and cost, priced from the provider's own counts, and
 * its budget: once the cost reaches it, no further request is let through, and {@link #stopped} says why
 * dispatch should stop the run. Safe to use from the run's concurrent requests.
 */
public final class RunAccount {

    /** The gateway's figures for one run. */
    public record Metered(int requests, long inputTokens, long outputTokens, long cacheWriteTokens, long cacheReadTokens, double costUsd) {
    }

    private final PriceTable prices;
    private final double budgetUsd;
    private final CompletableFuture<Stop> stopped = new CompletableFuture<>();
    private int requests;
    private long input;
    private long output;
    private long cacheWrite;
    private long cacheRead;
    private double cost;

    public RunAccount(PriceTable prices, double budgetUsd) {
        this.prices = prices;
        this.budgetUsd = budgetUsd;
    }

    public double budgetUsd() {
        return budgetUsd;
    }

    /**
     * Why the gateway wants the run stopped.
     *
     * @param overBudget its budget is spent (else: an answer's cost could not be read, so no cap would hold)
     */
    public record Stop(boolean overBudget, String reason) {
    }

    /** Completes when the run must be stopped: its budget is spent, or an answer's cost could not be read. */
    public CompletableFuture<Stop> stopped() {
        return stopped;
    }

    /** Why no further request may go upstream (the budget is spent, or the run was stopped); empty while they may. */
    Optional<Stop> refusal() {
        Stop reason;
        synchronized (this) {
            if (stopped.isDone()) {
                return Optional.of(stopped.join());
            }
            if (cost < budgetUsd) {
                return Optional.empty();
            }
            reason = new Stop(true, spent(cost, budgetUsd));
        }
        stopped.complete(reason);
        return Optional.of(stopped.join());
    }

    private static String spent(double cost, double budget) {
        return "its budget is spent: the model gateway metered $%.4f of its $%.2f budget".formatted(cost, budget);
    }

    /** One answer's usage, priced; past the budget the run is to be stopped. */
    void charge(AgentSignal.Usage usage) {
        String reason = null;
        synchronized (this) {
            requests++;
            input += usage.input();
            output += usage.output();
            cacheWrite += usage.cacheWrite();
            cacheRead += usage.cacheRead();
            cost += prices.usd(usage);
            if (cost >= budgetUsd) {
                reason = spent(cost, budgetUsd);
            }
        }
        if (reason != null) {
            stopped.complete(new Stop(true, reason));
        }
    }

    /** An answer that costs money but whose usage could not be read: the cap cannot hold, so the run stops. */
    void unmetered(String why) {
        synchronized (this) {
            requests++;
        }
        stopped.complete(new Stop(false, "the model gateway could not read what a request cost (" + why + ")"));
    }

    public synchronized Metered metered() {
        return new Metered(requests, input, output, cacheWrite, cacheRead, cost);
    }
}
