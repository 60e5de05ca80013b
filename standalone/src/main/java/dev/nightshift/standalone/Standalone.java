package dev.nightshift.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CountDownLatch;

import dev.nightshift.dispatch.engine.Dispatcher;
import dev.nightshift.dispatch.sandbox.Executables;
import dev.nightshift.embedded.EmbeddedBroker;
import dev.nightshift.embedded.RegistryProcess;

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

        // one hook, there before anything starts: what has started stops in reverse order (ingest, dispatch, report,
        // the registry, Kafka), on Ctrl-C or SIGTERM, during start-up too
        Deque<Runnable> started = new ConcurrentLinkedDeque<>();
        CtrlC ctrlC = new CtrlC();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ctrlC.stopping();
            System.out.println("Stopping: ingest, dispatch, report, registry, Kafka ...");
            stopAll(started);
            // a registry still starting is not listed yet, and it runs apart from the terminal's Ctrl-C
            ProcessHandle.current().children().forEach(ProcessHandle::destroy);
            System.out.println("Stopped.");
            stopped.countDown();
        }, "nightshift-shutdown"));

        EmbeddedBroker broker;
        RegistryProcess registry;
        Services services;
        try {
            System.out.println("Starting Kafka (data in " + data.resolve("kafka") + ") ...");
            broker = EmbeddedBroker.start(data.resolve("kafka"), kafkaPort, kafkaPort + 1);
            started.push(broker::close);
            System.out.println("Starting the schema registry ...");
            Path setsid = Executables.require("setsid", "to keep the registry apart from the terminal's Ctrl-C (util-linux)");
            registry = RegistryProcess.startApartFromTheTerminal(setsid, registryHome, data.resolve("registry"), registryPort, registryPort + 1,
                    data.resolve("logs/registry.log"));
            started.push(registry::close);

            settings.put("spring.kafka.bootstrap-servers", broker.bootstrapServers());
            settings.put("nightshift.registry-url", registry.url());
            settings.put("nightshift.ingest.workers-file", workers);
            settings.putAll(secrets);
            settings.put("nightshift.dispatch.workspaces-root", data.resolve("workspaces"));
            settings.put("nightshift.dispatch.workdirs-root", workers.getParent().resolve("workdirs"));
            settings.put("nightshift.dispatch.sandbox.kind", sandbox);
            settings.put("logging.include-application-name", false);
            services = Services.start(settings, bind, ingestPort, ingestPort + 1, ingestPort + 2);
            started.push(services::close);
        } catch (IOException | RuntimeException e) {
            stopAll(started); // the broker's threads would keep this JVM alive
            throw e;
        }

        // a second Ctrl-C cuts dispatch's wait for the runs in progress short: they are stopped and handed over
        Dispatcher dispatcher = services.dispatcher();
        if (ctrlC.install(() -> {
            System.out.println("Ctrl-C again: stopping the runs in progress now; they are handed over to the next start.");
            dispatcher.handOverNow();
        })) {
            dispatcher.handOverNowBy("press Ctrl-C again");
        }

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
                Stop:               Ctrl-C (runs in progress get nightshift.dispatch.shutdown-wait to finish;
                                    Ctrl-C again stops them at once and hands them over to the next start)
                """, bind, services.ingestPort(), workers, broker.bootstrapServers(), registry.url(), services.ingestPort(), secretsFile, bind);
        stopped.await();
    }

    private static void stopAll(Deque<Runnable> started) {
        for (Runnable stop = started.poll(); stop != null; stop = started.poll()) {
            stop.run();
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
