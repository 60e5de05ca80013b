package dev.nightshift.dispatch.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which addresses a sandbox may reach by name: global unicast only. An IPv6 address that carries an IPv4
 * one (IPv4-mapped, IPv4-compatible, NAT64, 6to4) is judged by the IPv4 address it carries, since that is
 * where a dual-stack socket or a translator delivers it; everything else special-purpose (loopback,
 * private, shared, link-local, documentation, benchmarking, multicast, reserved, Teredo) is refused.
 * An allowlist rather than a list of bad ranges: a range forgotten here is refused, not reachable.
 */
final class GlobalUnicast {

    private GlobalUnicast() {
    }

    /** Why this address is not one a sandbox may reach, or empty when it is global unicast. */
    static Optional<String> refusal(InetAddress address) {
        return switch (address) {
            case Inet4Address v4 -> v4Refusal(v4.getAddress());
            case Inet6Address v6 -> v6Refusal(v6.getAddress());
            default -> Optional.of("not an IP address");
        };
    }

    /** The address a connection to this one reaches: the embedded IPv4 address of a mapped one, else itself. */
    static InetAddress target(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && prefix(b, MAPPED, 96)) {
            try {
                return InetAddress.getByAddress(slice(b, 12));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return address;
    }

    private static final byte[] MAPPED = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);
    private static final byte[] COMPATIBLE = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    private static final byte[] NAT64 = bytes(0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0);
    private static final byte[] NAT64_LOCAL = bytes(0x00, 0x64, 0xff, 0x9b, 0x00, 0x01);
    private static final byte[] SIX_TO_FOUR = bytes(0x20, 0x02);
    private static final byte[] TEREDO = bytes(0x20, 0x01, 0x00, 0x00);
    /** IETF protocol assignments (RFC 2928), Teredo among them. */
    private static final byte[] IETF = bytes(0x20, 0x01, 0x00);
    private static final byte[] DOCUMENTATION = bytes(0x20, 0x01, 0x0d, 0xb8);
    /** RFC 9637. */
    private static final byte[] DOCUMENTATION_2 = bytes(0x3f, 0xff, 0x00);

    private static Optional<String> v6Refusal(byte[] b) {
        if (prefix(b, MAPPED, 96)) {
            return embedded("IPv4-mapped", slice(b, 12));
        }
        if (prefix(b, COMPATIBLE, 96)) {
            // also :: and ::1, whose "embedded" addresses 0.0.0.0 and 0.0.0.1 are refused as 0/8
            return embedded("IPv4-compatible", slice(b, 12));
        }
        if (prefix(b, NAT64, 96)) {
            return embedded("NAT64", slice(b, 12));
        }
        if (prefix(b, NAT64_LOCAL, 48)) {
            return Optional.of("local-use NAT64 (64:ff9b:1::/48)");
        }
        if (prefix(b, SIX_TO_FOUR, 16)) {
            return embedded("6to4", slice(b, 2));
        }
        if (prefix(b, TEREDO, 32)) {
            return Optional.of("Teredo (2001::/32)");
        }
        if (prefix(b, DOCUMENTATION, 32) || prefix(b, DOCUMENTATION_2, 20)) {
            return Optional.of("documentation (2001:db8::/32, 3fff::/20)");
        }
        if (prefix(b, IETF, 23)) {
            return Optional.of("IETF protocol assignments (2001::/23)");
        }
        if ((b[0] & 0xe0) != 0x20) {
            // outside 2000::/3: unspecified, loopback, ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, reserved
            return Optional.of("not IPv6 global unicast (2000::/3)");
        }
        return Optional.empty();
    }

    private static Optional<String> embedded(String kind, byte[] v4) {
        return v4Refusal(v4).map(why -> kind + " carrying " + dotted(v4) + ", " + why);
    }

    private static Optional<String> v4Refusal(byte[] b) {
        int a = b[0] & 0xff;
        int s = b[1] & 0xff;
        int t = b[2] & 0xff;
        if (a == 0) {
            return Optional.of("this network (0.0.0.0/8)");
        }
        if (a == 127) {
            return Optional.of("loopback (127.0.0.0/8)");
        }
        if (a == 10 || (a == 172 && (s & 0xf0) == 16) || (a == 192 && s == 168)) {
            return Optional.of("private (RFC 1918)");
        }
        if (a == 100 && (s & 0xc0) == 64) {
            return Optional.of("shared address space (100.64.0.0/10)");
        }
        if (a == 169 && s == 254) {
            return Optional.of("link-local (169.254.0.0/16)");
        }
        if (a == 192 && s == 0 && (t == 0 || t == 2)) {
            return Optional.of(t == 0 ? "IETF protocol assignments (192.0.0.0/24)" : "documentation (192.0.2.0/24)");
        }
        if (a == 198 && (s & 0xfe) == 18) {
            return Optional.of("benchmarking (198.18.0.0/15)");
        }
        if ((a == 198 && s == 51 && t == 100) || (a == 203 && s == 0 && t == 113)) {
            return Optional.of("documentation (198.51.100.0/24, 203.0.113.0/24)");
        }
        if (a >= 224) {
            // 224/4 multicast, 240/4 reserved, 255.255.255.255 broadcast
            return Optional.of(a < 240 ? "multicast (224.0.0.0/4)" : "reserved or broadcast (240.0.0.0/4)");
        }
        return Optional.empty();
    }

    private static boolean prefix(byte[] address, byte[] prefix, int bits) {
        for (int i = 0; i < bits; i++) {
            int mask = 0x80 >>> (i % 8);
            if ((address[i / 8] & mask) != (prefix[i / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int from) {
        return new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]};
    }

    private static String dotted(byte[] v4) {
        return (v4[0] & 0xff) + "." + (v4[1] & 0xff) + "." + (v4[2] & 0xff) + "." + (v4[3] & 0xff);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
