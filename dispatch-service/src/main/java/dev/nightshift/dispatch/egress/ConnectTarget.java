package dev.nightshift.dispatch.egress;

import java.util.Locale;
import java.util.regex.Pattern;

import com.google.common.net.InetAddresses;

/**
 * The target of a CONNECT, checked before it is matched or logged: a host name in strict syntax (letters,
 * digits and hyphens, labels of 1 to 63, at most 253 in all, lower-cased), an IPv4 literal, or an IPv6
 * literal in brackets, then a port from 1 to 65535. Anything else (control characters, spaces, CR/LF,
 * percent-encoding, zone ids, a trailing dot) is refused, and shown only in its {@link #sanitized} form.
 *
 * @param host a lower-case host name or the canonical text of an IP literal (without brackets)
 * @param literal whether the host is an IP literal (matched against allowlist entries as text, like a name)
 */
public record ConnectTarget(String host, int port, boolean literal) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final int MAX_NAME = 253;
    /** The longest sanitized form: enough to recognise, not enough to flood a log line. */
    private static final int MAX_SHOWN = 80;

    /** The target of {@code authority} (the CONNECT request target, {@code host:port}). */
    public static ConnectTarget parse(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("CONNECT needs host:port");
        }
        int port = port(authority.substring(colon + 1));
        String host = authority.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            String inner = host.substring(1, host.length() - 1);
            // no zone ids (%eth0): a sandbox has no business naming the host's interfaces
            if (!inner.matches("[0-9A-Fa-f:.]+") || !InetAddresses.isInetAddress(inner)) {
                throw new IllegalArgumentException("not an IPv6 literal");
            }
            return new ConnectTarget(InetAddresses.toAddrString(InetAddresses.forString(inner)), port, true);
        }
        if (host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            if (!InetAddresses.isInetAddress(host)) {
                throw new IllegalArgumentException("not an IPv4 literal");
            }
            return new ConnectTarget(InetAddresses.toAddrString(InetAddresses.forString(host)), port, true);
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (!validName(name)) {
            throw new IllegalArgumentException("not a host name (letters, digits, hyphens; labels of 1 to 63; at most 253)");
        }
        return new ConnectTarget(name, port, false);
    }

    /** Whether {@code name} (lower case) is a host name in strict LDH syntax; not an IP literal. */
    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME) {
            return false;
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        // all-numeric last label: an IP address in disguise (1.2.3, 0x7f.1 is refused by the syntax already)
        return !labels[labels.length - 1].matches("[0-9]+");
    }

    private static int port(String s) {
        if (!s.matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("CONNECT needs host:port");
        }
        int port = Integer.parseInt(s);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
        return port;
    }

    /** {@code raw} fit for a log line or an answer: printable ASCII (and space) kept, everything else as \xNN, cut short. */
    public static String sanitized(String raw) {
        return sanitized(raw, MAX_SHOWN);
    }

    /** {@code raw} sanitized as {@link #sanitized(String)}, cut at about {@code max} characters. */
    static String sanitized(String raw, int max) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (; i < raw.length() && out.length() < max; i++) {
            char c = raw.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                out.append(c);
            } else {
                out.append(c < 0x100 ? "\\x%02x".formatted((int) c) : "\\u%04x".formatted((int) c));
            }
        }
        return i < raw.length() ? out.append("...").toString() : out.toString();
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
