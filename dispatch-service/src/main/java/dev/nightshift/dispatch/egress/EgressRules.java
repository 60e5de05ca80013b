package dev.nightshift.dispatch.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where one run's agent may connect: only to names on its allowlist, and only where those names resolve
 * to public addresses, so neither a listed name nor a DNS answer leads into the host's loopback or a
 * private network. Entries are {@code name}, {@code name:port} or {@code *.domain[:port]}; without a port
 * only 443 is allowed.
 *
 * @param allowed  the allowlist
 * @param pinned   names resolved by configuration instead of DNS (an internal model gateway, a test's server):
 *                 the operator's choice, so private addresses are allowed for them
 */
public record EgressRules(List<String> allowed, Map<String, InetAddress> pinned) {

    private static final int HTTPS = 443;

    public EgressRules {
        allowed = allowed.stream().map(e -> e.strip().toLowerCase(Locale.ROOT)).toList();
        pinned = Map.copyOf(pinned);
        check(allowed);
    }

    /** Refuses, naming it, an entry that is not {@code name}, {@code name:port} or {@code *.domain[:port]}. */
    public static void check(List<String> entries) {
        for (String entry : entries) {
            if (!entry.strip().toLowerCase(Locale.ROOT).matches("(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) {
                throw new IllegalArgumentException("network allowlist entry '" + entry + "' is not name, name:port or *.domain[:port]");
            }
        }
    }

    /** Where a CONNECT may go, or why it may not. */
    public sealed interface Decision {
        record Allowed(InetSocketAddress address) implements Decision {
        }

        record Refused(String reason) implements Decision {
        }
    }

    public Decision decide(String host, int port) {
        String name = host.toLowerCase(Locale.ROOT);
        if (allowed.stream().noneMatch(entry -> matches(entry, name, port))) {
            return new Decision.Refused(name + ":" + port + " is not on the worker's network allowlist");
        }
        InetAddress pin = pinned.get(name);
        if (pin != null) {
            return new Decision.Allowed(new InetSocketAddress(pin, port));
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(name);
        } catch (UnknownHostException e) {
            return new Decision.Refused(name + " does not resolve");
        }
        // one private answer is enough to refuse: the client cannot choose which address it gets
        return Arrays.stream(addresses).filter(EgressRules::internal).findFirst()
                .<Decision>map(a -> new Decision.Refused(name + " resolves to " + a.getHostAddress() + ", on the host or a private network"))
                .orElseGet(() -> new Decision.Allowed(new InetSocketAddress(addresses[0], port)));
    }

    private static boolean matches(String entry, String name, int port) {
        int colon = entry.lastIndexOf(':');
        String pattern = colon < 0 ? entry : entry.substring(0, colon);
        int entryPort = colon < 0 ? HTTPS : Integer.parseInt(entry.substring(colon + 1));
        if (entryPort != port) {
            return false;
        }
        return pattern.startsWith("*.") ? name.endsWith(pattern.substring(1)) : name.equals(pattern);
    }

    /** Loopback, unspecified, link-local, private (RFC 1918, RFC 6598, IPv6 ULA), multicast. */
    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128);
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc;
        }
        return false;
    }
}
