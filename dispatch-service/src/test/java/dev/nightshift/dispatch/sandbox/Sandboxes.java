package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.egress.EgressProxy;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Dispatch's settings as they bind from configuration (defaults included), and the real bubblewrap built from them. */
public final class Sandboxes {

    private Sandboxes() {
    }

    /** nightshift.dispatch bound from these settings over the defaults, as the service binds it. */
    public static DispatchProperties properties(Path workspacesRoot, Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.put("nightshift.dispatch.workspaces-root", workspacesRoot.toString());
        all.putIfAbsent("nightshift.dispatch.agents.claude.binary", "claude");
        return new Binder(new MapConfigurationPropertySource(all)).bind("nightshift.dispatch", DispatchProperties.class).get();
    }

    /**
     * The real bubblewrap with dispatch's default paths. Skips the test where bwrap is missing, unless
     * NIGHTSHIFT_REQUIRE_SANDBOX=1 (CI sets it), which turns a missing sandbox into a failure.
     */
    public static Bubblewrap bubblewrap(DispatchProperties properties, EgressProxy egress) throws IOException {
        boolean present = Executables.find("bwrap").isPresent();
        if ("1".equals(System.getenv("NIGHTSHIFT_REQUIRE_SANDBOX"))) {
            assertThat(present).as("bwrap is required (NIGHTSHIFT_REQUIRE_SANDBOX=1) but not on PATH").isTrue();
        }
        assumeTrue(present, "bwrap not installed");
        return Bubblewrap.forThisProcess(properties.sandbox(), properties.workspacesRoot(), properties.keepWorkspaces(), egress).orElseThrow();
    }
}
