package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.nightshift.testkit.ServiceProcess;
import dev.nightshift.testkit.SharedInfrastructure;

/**
 * The standalone in a JVM of its own, as {@code ./nightshift run} starts it: its data directory, catalogue, registry and
 * ports in the environment, its output appended to a file. Tests add what they vary (secrets, JVM options, setsid).
 */
final class StandaloneLaunch {

    /** What it binds: Kafka (and its controller), the registry (and its management), ingest (and the two after). */
    record Ports(int kafka, int registry, int ingest) {

        static Ports free() throws IOException {
            return new Ports(freeRange(2), freeRange(2), freeRange(3));
        }
    }

    private StandaloneLaunch() {
    }

    /** This JVM's java running the packaged exec jar (target/standalone-*-exec.jar), with these JVM options. */
    static List<String> jar(String... jvmOptions) throws IOException {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().matches("standalone-.*-exec\\.jar")).findFirst().orElseThrow();
        }
        List<String> command = java(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /** This JVM's java running the standalone's main class on this module's class path, with these JVM options. */
    static List<String> classPath(String... jvmOptions) {
        List<String> command = java(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Standalone.class.getName()));
        return command;
    }

    private static List<String> java(String... jvmOptions) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ServiceProcess.SHORT_LIVED_JVM);
        command.addAll(List.of(jvmOptions));
        return command;
    }

    /** @param workers the catalogue, as NIGHTSHIFT_WORKERS_FILE takes it (relative to this module's directory) */
    static ProcessBuilder builder(List<String> command, Path output, Path data, Object workers, Ports ports) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        Map<String, String> env = builder.environment();
        env.put("NIGHTSHIFT_DATA", data.toString());
        env.put("NIGHTSHIFT_REGISTRY_HOME", SharedInfrastructure.registryHome().toAbsolutePath().toString());
        env.put("NIGHTSHIFT_WORKERS_FILE", workers.toString());
        env.put("KAFKA_PORT", String.valueOf(ports.kafka()));
        env.put("REGISTRY_PORT", String.valueOf(ports.registry()));
        env.put("INGEST_PORT", String.valueOf(ports.ingest()));
        return builder;
    }

    /** Waits until it says it is running; fails with its output if it exits first. */
    static Process awaitRunning(Process nightshift, Path output, Duration timeout) throws IOException {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> log(output).contains("Nightshift is running") || !nightshift.isAlive());
        assertThat(nightshift.isAlive()).as(log(output)).isTrue();
        return nightshift;
    }

    /** SIGTERM, as Ctrl-C: the shutdown hook stops everything in order, within 90 s. */
    static void stop(Process nightshift) throws InterruptedException {
        nightshift.destroy();
        assertThat(nightshift.waitFor(90, TimeUnit.SECONDS)).as("stopped within 90 s").isTrue();
    }

    static String log(Path output) throws IOException {
        return Files.exists(output) ? Files.readString(output) : "";
    }

    /**
     * The first of {@code n} consecutive free ports (the services use base, base+1, ...), below the kernel's
     * ephemeral range: a port from that range can be taken by any outgoing connection (the jar's own Kafka
     * clients) in the seconds between this check and the jar binding it.
     */
    static int freeRange(int n) throws IOException {
        // readAllLines, not readString: a /proc file reports size 0 and readString stops short
        int ephemeralStart = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().strip().split("\\s+")[0]);
        Random random = new Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 10_000 + random.nextInt(Math.max(1, ephemeralStart - 10_000 - n));
            boolean free = true;
            for (int i = 0; i < n && free; i++) {
                try (ServerSocket s = new ServerSocket(base + i, 50, InetAddress.getLoopbackAddress())) {
                    free = true;
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) {
                return base;
            }
        }
        throw new IOException("no range of " + n + " free ports found below the ephemeral range");
    }
}
