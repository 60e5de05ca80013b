package dev.nightshift.dispatch.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The broker's time as this dispatcher last saw it: each ledger record read carries the moment the broker appended
 * it, and this host's clock measures what has passed since. Leases of other instances are judged by it, so two hosts
 * whose clocks differ by seconds still agree on when a lease ends. A record reaches the reader a little after it was
 * appended, so the estimate lags the broker by that much: a takeover comes late by it, never early.
 */
final class BrokerTime {

    private final Clock clock;
    /** The broker's time minus this host's, as last seen. */
    private Duration ahead = Duration.ZERO;

    BrokerTime(Clock clock) {
        this.clock = clock;
    }

    void saw(Instant appendedAt) {
        ahead = Duration.between(clock.instant(), appendedAt);
    }

    Instant now() {
        return clock.instant().plus(ahead);
    }
}
