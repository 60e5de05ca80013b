package dev.nightshift.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.nightshift.dispatch.sandbox.Executables;

/**
 * The programs dispatch's bubblewrap sandbox requires at start-up (bwrap; socat, the bridge to the egress proxy; as
 * root, setpriv, which drops agents to their own uid), looked for before the standalone starts anything, so that a
 * missing one is named at once rather than after Kafka and the registry came up.
 */
record SandboxPreflight(List<String> missing) {

    static SandboxPreflight ofThisMachine() throws IOException {
        boolean root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        List<String> missing = new ArrayList<>();
        for (String program : root ? List.of("bwrap", "socat", "setpriv") : List.of("bwrap", "socat")) {
            if (Executables.find(program).isEmpty()) {
                missing.add(program);
            }
        }
        return new SandboxPreflight(List.copyOf(missing));
    }

    boolean passes() {
        return missing.isEmpty();
    }

    /** Why nothing starts, and what to do about it. */
    String refusal() {
        return String.join(", ", missing) + (missing.size() == 1 ? " is" : " are") + " not installed, and agents do not run without "
                + "their sandbox: ops/install run installs what it needs (./nightshift run runs it first), or set "
                + "NIGHTSHIFT_UNSANDBOXED=1 to run agents with your own rights.";
    }
}
