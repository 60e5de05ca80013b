package dev.nightshift.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

import dev.nightshift.embedded.EmbeddedBroker;
import dev.nightshift.embedded.RegistryProcess;

/**
 * One real Kafka broker and one real schema registry for the whole test run (this JVM), started on
 * first use and stopped when the JVM exits: Kafka and Apicurio containers where a Docker engine answers
 * ({@link ContainerInfrastructure}), else the embedded broker and the registry process, the same code as
 * ./nightshift run.
 *
 * @param registryBase the registry's root URL, its APIs under /apis
 */
public record SharedInfrastructure(String bootstrapServers, String registryBase, String kind) {

    private static SharedInfrastructure instance;

    public static synchronized SharedInfrastructure get() {
        if (instance == null) {
            try {
                instance = ContainerInfrastructure.wanted() ? containers() : embedded();
            } catch (Exception e) {
                throw new IllegalStateException("could not start the test broker and registry", e);
            }
        }
        return instance;
    }

    private static SharedInfrastructure containers() {
        ContainerInfrastructure containers = ContainerInfrastructure.start();
        Runtime.getRuntime().addShutdownHook(new Thread(containers::close, "test-infrastructure-shutdown"));
        return new SharedInfrastructure(containers.bootstrapServers(), containers.registryBase(), "containers");
    }

    private static SharedInfrastructure embedded() throws Exception {
        Path dir = Files.createTempDirectory("nightshift-test-infra-");
        EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), freePort(), freePort());
        RegistryProcess registry = RegistryProcess.start(registryHome(), null, freePort(), freePort(), dir.resolve("registry.log"),
                ServiceProcess.SHORT_LIVED_JVM);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            broker.close();
        }, "test-infrastructure-shutdown"));
        return new SharedInfrastructure(broker.bootstrapServers(), registry.url().replaceFirst("/apis/registry/v3$", ""), "embedded");
    }

    public String registryUrl() {
        return registryBase + "/apis/registry/v3";
    }

    public String ccompatUrl() {
        return registryBase + "/apis/ccompat/v7";
    }

    /** The real sandbox where bwrap is on the PATH; CI requires it (NIGHTSHIFT_REQUIRE_SANDBOX=1). */
    public static String sandboxKind() {
        boolean present = Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(File.pathSeparator))
                .map(dir -> Path.of(dir.isEmpty() ? "." : dir, "bwrap"))
                .anyMatch(bwrap -> Files.isRegularFile(bwrap) && Files.isExecutable(bwrap));
        if (!present && "1".equals(System.getenv("NIGHTSHIFT_REQUIRE_SANDBOX"))) {
            throw new IllegalStateException("NIGHTSHIFT_REQUIRE_SANDBOX=1 but bwrap is not installed");
        }
        return present ? "bubblewrap" : "none";
    }

    /**
     * The registry unpacked by testkit's build (generate-resources) into testkit's target directory, whose path the
     * build writes into testkit.properties; or {@code nightshift.registry-home}.
     */
    public static Path registryHome() {
        String home = System.getProperty("nightshift.registry-home");
        if (home != null) {
            return Path.of(home);
        }
        try (InputStream in = SharedInfrastructure.class.getResourceAsStream("/testkit.properties")) {
            Properties built = new Properties();
            built.load(in);
            return Path.of(built.getProperty("registry-home"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
