package dev.nightshift.dispatch.egress;

import java.util.Locale;

/** What became of a connection to a run's door: the bounded values of the connections metric's outcome tag. */
public enum Outcome {
    /** A tunnel was spliced. */
    ALLOWED,
    /** A request in origin form handed to the run's relayed service (its model gateway door). */
    RELAYED,
    /** The target is not on the run's allowlist. */
    REFUSED,
    /** The name resolves to an address that is not global unicast (loopback, private, mapped ones...). */
    REFUSED_ADDRESS,
    /** The name does not resolve. */
    UNRESOLVED,
    /** Not a CONNECT, or a target that is not a valid host:port. */
    INVALID,
    /** The run already has its most connections open. */
    OVER_LIMIT,
    /** The request head (or, after 200, the ClientHello) did not arrive in time. */
    HEAD_TIMEOUT,
    /** The tunnel's first bytes are not a TLS ClientHello naming the CONNECT host. */
    SNI_MISMATCH,
    /** The allowed target could not be reached. */
    UNREACHABLE;

    /** The tag value: lower case with underscores, as Prometheus labels usually are. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
