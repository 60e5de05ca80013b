package dev.nightshift.dispatch.engine;

import java.time.Duration;
import java.util.List;

import dev.nightshift.dispatch.DispatchProperties;

/**
 * The settings the engine reads (of {@code nightshift.dispatch}).
 *
 * @param adapters the adapters dispatch's ceiling names: a run's metrics are tagged with its adapter only if named here
 */
record EngineSettings(Duration leaseTtl, Duration ledgerRetention, Duration retryBackoff, int maxRunsInFlight, Duration shutdownWait, Duration killGrace,
        List<String> adapters) {

    static EngineSettings of(DispatchProperties p) {
        return new EngineSettings(p.leaseTtl(), p.ledgerRetention(), p.retryBackoff(), p.maxRunsInFlight(), p.shutdownWait(), p.killGrace(),
                p.ceiling().adapters());
    }
}
