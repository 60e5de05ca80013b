package dev.nightshift.standalone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Nightshift on one machine: a real Kafka broker in this JVM, the schema registry as a child process,
 * and the three services, all keeping their state under one data directory. Ctrl-C stops them in order.
 */
public final class Standalone {

    private Standalone() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(env("NIGHTSHIFT_DATA", "nightshift-data")).toAbsolutePath();
        Path registryHome = Path.of(env("NIGHTSHIFT_REGISTRY_HOME", "standalone/target/apicurio-registry"));
        Path workers = Path.of(env("NIGHTSHIFT_WORKERS_FILE", "examples/workers.yml")).toAbsolutePath();
        int kafkaPort = Integer.parseInt(env("KAFKA_PORT", "9092"));
        int registryPort = Integer.parseInt(env("REGISTRY_PORT", "8085"));
        int ingestPort = Integer.parseInt(env("INGEST_PORT", "8080"));
        // ingest's address; the broker, the registry, dispatch and report are on loopback whatever this says
        String bind = env("NIGHTSHIFT_BIND", Services.LOOPBACK);
        Files.createDirectories(data);

        Path secretsFile = data.resolve("secrets.properties");
        Map<String, String> secrets;
        try {
            secrets = LocalSecrets.resolve(secretsFile, System.getenv(), System.out);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String token = System.getenv("TODOIST_API_TOKEN");
        Map<String, Object> settings = new LinkedHashMap<>();
        if (token == null || token.isBlank()) {
            // no token, no traffic: report's Todoist sink is off and says so
            System.out.println("TODOIST_API_TOKEN is not set: runs are not reported to Todoist (report's Todoist sink is off).");
        } else {
            settings.put("nightshift.report.todoist.api-token", token);
        }
        // no sandbox, no start: running agents with this user's rights is a choice to make, not a fallback
        String sandbox = "bubblewrap";
        SandboxPreflight preflight = SandboxPreflight.ofThisMachine();
        if (!preflight.passes()) {
            if (!"1".equals(System.getenv("NIGHTSHIFT_UNSANDBOXED"))) {
                System.err.println(preflight.refusal());
                System.exit(2);
            }
            sandbox = "none";
            System.out.println("NIGHTSHIFT_UNSANDBOXED=1: agents run unsandboxed, with your rights (every run says so in the log).");
        }

        System.out.println("Starting Kafka (data in " + data.resolve("kafka") + ") ...");
        EmbeddedBroker broker = EmbeddedBroker.start(data.resolve("kafka"), kafkaPort, kafkaPort + 1);
        System.out.println("Starting the schema registry ...");
        RegistryProcess registry = RegistryProcess.start(registryHome, data.resolve("registry"), registryPort, registryPort + 1,
                data.resolve("logs/registry.log"));

        settings.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
        settings.put("nightshift.registry-url", registry.url());
        settings.put("nightshift.ingest.workers-file", workers);
        settings.putAll(secrets);
        settings.put("nightshift.dispatch.workspaces-root", data.resolve("workspaces"));
        settings.put("nightshift.dispatch.workdirs-root", workers.getParent().resolve("workdirs"));
        settings.put("nightshift.dispatch.sandbox.kind", sandbox);
        settings.put("logging.include-application-name", false);
        Services services;
        try {
            services = Services.start(settings, bind, ingestPort, ingestPort + 1, ingestPort + 2);
        } catch (RuntimeException e) {
            registry.close();
            broker.close();
            throw e;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping: ingest, dispatch, report, registry, Kafka ...");
            services.close();
            registry.close();
            broker.close();
            System.out.println("Stopped.");
            stopped.countDown();
        }, "nightshift-shutdown"));

        System.out.printf("""

                Nightshift is running.
                  Todoist webhooks: POST http://%s:%d/webhooks/todoist  (secret: TODOIST_CLIENT_SECRET)
                  Workers:          %s
                  Kafka:            %s    Registry: %s
                  Metrics:          http://127.0.0.1:%d/actuator/prometheus (ingest; dispatch +1, report +2)
                  Secrets:          %s (the environment wins over it); management endpoints need
                                    Authorization: Bearer <NIGHTSHIFT_MANAGEMENT_TOKEN>
                  Listening on:     %s for ingest, 127.0.0.1 for the rest (NIGHTSHIFT_BIND sets ingest's address)
                Try it:             ./nightshift try   (sends a signed item:added for the example worker)
                Stop:               Ctrl-C
                """, bind, services.ingestPort(), workers, broker.bootstrapServers(), registry.url(), services.ingestPort(), secretsFile, bind);
        stopped.await();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
