package dev.nightshift.dispatch.sandbox;

import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The socat bridges from a sandbox's own loopback to host sockets bound into it, as prelude shell text: all
 * started at once, and later one wait until every port listens, so the agent never finds one closed. The wait
 * uses the shell's builtins only (it reads /proc/net/tcp and /proc/uptime): a grep and a sleep per check cost
 * more CPU than the bridges themselves where process starts are slow, and the machine starting a hundred runs
 * is busy. When a bridge could not start it gives up with a message naming the ports, rather than spin on.
 *
 * @param socat            the socat binary
 * @param socketsByPort    loopback port inside the sandbox to the socket bound in for it
 * @param patienceSeconds  how long the wait lasts before the run fails
 */
record LoopbackBridges(Path socat, Map<Integer, String> socketsByPort, int patienceSeconds) {

    /** Bridges start in milliseconds; this is for a machine so busy that they take far longer. */
    static final int PATIENCE_SECONDS = 10;

    LoopbackBridges {
        socketsByPort = Map.copyOf(socketsByPort);
    }

    boolean isEmpty() {
        return socketsByPort.isEmpty();
    }

    /** Starts every bridge in the background; each in braces so that only socat leaves the foreground. */
    String start() {
        StringBuilder sh = new StringBuilder();
        socketsByPort.forEach((port, socket) -> sh.append("{ ").append(socat).append(" TCP-LISTEN:").append(port)
                .append(",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:").append(socket).append(" & } && "));
        return sh.toString();
    }

    /** Returns once each port is in LISTEN state (0A) on 127.0.0.1 in /proc/net/tcp, as hex address:port; else exits 1. */
    String awaitListening() {
        if (isEmpty()) {
            return "";
        }
        String patterns = socketsByPort.keySet().stream().sorted()
                .map(port -> "'0100007F:%04X 00000000:0000 0A'".formatted(port)).collect(Collectors.joining("|"));
        String ports = socketsByPort.keySet().stream().sorted().map(String::valueOf).collect(Collectors.joining(", "));
        return "nightshift_listening() { n=0; while read -r _ a r s _; do case \"$a $r $s\" in " + patterns
                + ") n=$((n + 1));; esac; done < /proc/net/tcp; [ \"$n\" -eq " + socketsByPort.size() + " ]; } && "
                // /proc/uptime in centiseconds: its seconds and two decimals without the point
                + "read -r t _ < /proc/uptime && until nightshift_listening; do read -r now _ < /proc/uptime; "
                + "[ \"${now%.*}${now#*.}\" -lt $((${t%.*}${t#*.} + " + patienceSeconds * 100 + ")) ] || { echo \"nightshift: the sandbox's bridges"
                + " (socat on 127.0.0.1 ports " + ports + ") were not listening after " + patienceSeconds + " s\" >&2; exit 1; }; "
                + "done && ";
    }
}
