package dev.nightshift.dispatch.sandbox;

import java.util.List;

/**
 * One run's walls: its network and its limits, already resolved from the worker and dispatch's settings,
 * and the host services it may reach through them.
 */
public record Confinement(Network network, RunLimits limits, List<HostService> services) {

    public Confinement {
        services = List.copyOf(services);
    }

    public Confinement(Network network, RunLimits limits) {
        this(network, limits, List.of());
    }

    public Confinement withServices(List<HostService> more) {
        return new Confinement(network, limits, more);
    }
}
