package dev.nightshift.dispatch.sandbox;

/** One run's walls: its network and its limits, already resolved from the worker and dispatch's settings. */
public record Confinement(Network network, RunLimits limits) {
}
