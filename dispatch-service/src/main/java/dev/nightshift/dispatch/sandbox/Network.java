package dev.nightshift.dispatch.sandbox;

import java.util.List;

/** What one run's agent can reach over the network. */
public sealed interface Network {

    /** Nothing: a loopback of the sandbox's own. */
    record None() implements Network {
    }

    /** Only these names, through the egress proxy; nothing on the host or a private network. */
    record Allowlist(List<String> hosts) implements Network {
        public Allowlist {
            hosts = List.copyOf(hosts);
        }
    }

    /** The host's own network, loopback included: chosen explicitly, warned about on every run. */
    record Host() implements Network {
    }
}
