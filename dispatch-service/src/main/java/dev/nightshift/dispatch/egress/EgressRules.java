package dev.nightshift.dispatch.egress;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;

/**
 * Where one run's agent may connect: only to names on its allowlist, and only where those names resolve
 * to global unicast addresses ({@link GlobalUnicast}), so neither a listed name nor a DNS answer leads
 * into the host's loopback or a private network. Entries are {@code name}, {@code name:port} or
 * {@code *.domain[:port]}; without a port only 443 is allowed. A wildcard may not cover a public suffix
 * ({@code *.com}, {@code *.co.uk}, {@code *.github.io}): that would be anyone's site.
 *
 * @param allowed  the allowlist
 * @param pinned   names resolved by configuration instead of DNS (an internal model gateway, a test's server):
 *                 the operator's choice, so any address is allowed for them
 * @param resolver how other names are resolved
 */
public record EgressRules(List<String> allowed, Map<String, InetAddress> pinned, Resolver resolver) {

    private static final int HTTPS = 443;

    public EgressRules {
        allowed = allowed.stream().map(e -> e.strip().toLowerCase(Locale.ROOT)).toList();
        pinned = Map.copyOf(pinned);
        check(allowed);
    }

    /**
     * Refuses, naming it, an entry that is not {@code name}, {@code name:port} or {@code *.domain[:port]},
     * or a wildcard on a public suffix (by Guava's copy of the Public Suffix List, ICANN and private sections).
     */
    public static void check(List<String> entries) {
        for (String entry : entries) {
            String e = entry.strip().toLowerCase(Locale.ROOT);
            if (!e.matches("(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?")) {
                throw new IllegalArgumentException("network allowlist entry '" + ConnectTarget.sanitized(entry)
                        + "' is not name, name:port or *.domain[:port]");
            }
            String host = e.replaceFirst(":[0-9]+$", "");
            if (host.startsWith("*.")) {
                String domain = host.substring(2);
                if (!ConnectTarget.validName(domain)) {
                    throw new IllegalArgumentException("network allowlist entry '" + entry + "' has no valid domain after '*.'");
                }
                if (InternetDomainName.from(domain).isPublicSuffix()) {
                    throw new IllegalArgumentException("network allowlist entry '" + entry + "' is a wildcard on the public suffix '"
                            + domain + "': it would allow every site registered under it; list the sites instead");
                }
            }
        }
    }

    /** Where a CONNECT may go, or why it may not. */
    public sealed interface Decision {
        record Allowed(InetSocketAddress address) implements Decision {
        }

        record Refused(Outcome outcome, String reason) implements Decision {
        }
    }

    public Decision decide(ConnectTarget target) {
        String name = target.host();
        int port = target.port();
        if (allowed.stream().noneMatch(entry -> matches(entry, name, port))) {
            return new Decision.Refused(Outcome.REFUSED, target + " is not on the worker's network allowlist");
        }
        InetAddress pin = pinned.get(name);
        if (pin != null) {
            return new Decision.Allowed(new InetSocketAddress(pin, port));
        }
        InetAddress[] addresses;
        try {
            addresses = target.literal() ? new InetAddress[] {InetAddresses.forString(name)} : resolver.resolve(name);
        } catch (UnknownHostException e) {
            return new Decision.Refused(Outcome.UNRESOLVED, name + " does not resolve");
        }
        if (addresses.length == 0) {
            return new Decision.Refused(Outcome.UNRESOLVED, name + " does not resolve");
        }
        // one refused answer is enough to refuse: the client cannot choose which address it gets
        for (InetAddress a : addresses) {
            Optional<String> why = GlobalUnicast.refusal(a);
            if (why.isPresent()) {
                return new Decision.Refused(Outcome.REFUSED_ADDRESS, name + " resolves to " + a.getHostAddress() + ", " + why.get()
                        + ": only global unicast addresses are reachable");
            }
        }
        return new Decision.Allowed(new InetSocketAddress(GlobalUnicast.target(addresses[0]), port));
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
}
