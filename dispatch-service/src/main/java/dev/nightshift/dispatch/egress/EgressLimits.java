package dev.nightshift.dispatch.egress;

import java.time.Duration;

import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What one run may hold of the proxy (settings {@code nightshift.dispatch.sandbox.egress.*}).
 *
 * @param maxConnectionsPerRun connections one run may have open at once; past it a CONNECT is answered 429
 * @param headTimeout          how long a client has to send its CONNECT head, and after 200 its TLS ClientHello
 * @param idleTimeout          a tunnel with no byte either way for this long is closed
 * @param connectTimeout       how long connecting to an allowed target may take before the client gets 502
 */
public record EgressLimits(
        @DefaultValue("64") int maxConnectionsPerRun,
        @DefaultValue("10s") Duration headTimeout,
        @DefaultValue("5m") Duration idleTimeout,
        @DefaultValue("10s") Duration connectTimeout) {

    private static final String SETTING = "nightshift.dispatch.sandbox.egress.";

    public EgressLimits {
        if (maxConnectionsPerRun < 1) {
            throw new IllegalArgumentException(SETTING + "max-connections-per-run must be at least 1, not " + maxConnectionsPerRun);
        }
        positive("head-timeout", headTimeout);
        positive("idle-timeout", idleTimeout);
        positive("connect-timeout", connectTimeout);
    }

    /** The defaults, as configuration binds them when nothing is set. */
    public static EgressLimits defaults() {
        return new EgressLimits(64, Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(10));
    }

    public EgressLimits withConnectTimeout(Duration timeout) {
        return new EgressLimits(maxConnectionsPerRun, headTimeout, idleTimeout, timeout);
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(SETTING + name + " must be positive, not " + d);
        }
    }
}
