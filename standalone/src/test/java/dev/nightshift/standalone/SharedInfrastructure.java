package dev.nightshift.standalone;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.nightshift.dispatch.sandbox.Executables;

/**
 * One real Kafka broker and one real schema registry for the whole test run (this JVM), started on
 * first use and stopped when the JVM exits. Both run the same code as ./nightshift run.
 */
public final class SharedInfrastructure {

    private static SharedInfrastructure instance;

    private final EmbeddedBroker broker;
    private final RegistryProcess registry;

    private SharedInfrastructure(EmbeddedBroker broker, RegistryProcess registry) {
        this.broker = broker;
        this.registry = registry;
    }

    public static synchronized SharedInfrastructure get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("nightshift-test-infra-");
                EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), freePort(), freePort());
                RegistryProcess registry = RegistryProcess.start(registryHome(), null, freePort(), freePort(), dir.resolve("registry.log"));
                instance = new SharedInfrastructure(broker, registry);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    registry.close();
                    broker.close();
                }, "test-infrastructure-shutdown"));
            } catch (Exception e) {
                throw new IllegalStateException("could not start the test broker and registry", e);
            }
        }
        return instance;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public String ccompatUrl() {
        return registry.ccompatUrl();
    }

    /** The real sandbox where bwrap exists; CI requires it (NIGHTSHIFT_REQUIRE_SANDBOX=1). */
    public static String sandboxKind() {
        boolean present = Executables.find("bwrap").isPresent();
        if (!present && "1".equals(System.getenv("NIGHTSHIFT_REQUIRE_SANDBOX"))) {
            throw new IllegalStateException("NIGHTSHIFT_REQUIRE_SANDBOX=1 but bwrap is not installed");
        }
        return present ? "bubblewrap" : "none";
    }

    /** Unpacked by the build (generate-resources) into this module's target directory. */
    static Path registryHome() {
        return Path.of(System.getProperty("nightshift.registry-home", "target/apicurio-registry"));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
