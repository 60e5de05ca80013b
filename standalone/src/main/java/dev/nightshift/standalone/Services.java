package dev.nightshift.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.nightshift.dispatch.DispatchApplication;
import dev.nightshift.dispatch.engine.Dispatcher;
import dev.nightshift.ingest.IngestApplication;
import dev.nightshift.observability.warmup.WarmUp;
import dev.nightshift.report.ReportApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;

/** The three services in this JVM, each its own Spring context with its own port and settings file. */
public final class Services implements AutoCloseable {

    static final String LOOPBACK = "127.0.0.1";
    private static final Logger log = LoggerFactory.getLogger(Services.class);

    private final ConfigurableApplicationContext ingest;
    private final ConfigurableApplicationContext dispatch;
    private final ConfigurableApplicationContext report;

    private Services(ConfigurableApplicationContext ingest, ConfigurableApplicationContext dispatch, ConfigurableApplicationContext report) {
        this.ingest = ingest;
        this.dispatch = dispatch;
        this.report = report;
    }

    /** All three on loopback. */
    public static Services start(Map<String, ?> settings, int ingestPort, int dispatchPort, int reportPort) {
        return start(settings, LOOPBACK, ingestPort, dispatchPort, reportPort);
    }

    /**
     * @param settings      given to all three as command-line arguments, so they win over each service's yml;
     *                      each service reads only its own keys
     * @param ingestAddress the address ingest listens on (webhooks come to it); dispatch and report stay on loopback
     * @param ports         server ports of ingest, dispatch, report (0 for any free one)
     */
    public static Services start(Map<String, ?> settings, String ingestAddress, int ingestPort, int dispatchPort, int reportPort) {
        // each warms up in the background (report's consumers wait for the topics dispatch and ingest make); all
        // three are warm before this returns, so the first task after it is as fast as the hundredth
        Map<String, Object> all = new LinkedHashMap<>(settings);
        all.put("nightshift.warm-up.wait", "0s");
        // report first, ingest last: the door opens when everything behind it is ready
        ConfigurableApplicationContext report = run(ReportApplication.builder(), all, reportPort);
        ConfigurableApplicationContext dispatch = null;
        ConfigurableApplicationContext ingest = null;
        try {
            dispatch = run(DispatchApplication.builder(), all, dispatchPort);
            ingest = run(IngestApplication.builder(), all, ingestAddress, ingestPort);
            Services services = new Services(ingest, dispatch, report);
            services.awaitWarm();
            return services;
        } catch (RuntimeException e) {
            if (ingest != null) {
                ingest.close();
            }
            if (dispatch != null) {
                dispatch.close();
            }
            report.close();
            throw e;
        }
    }

    /** Until all three are warm, saying every 10 s what one still waits for. */
    private void awaitWarm() {
        Map<String, ConfigurableApplicationContext> services = new LinkedHashMap<>();
        services.put("report", report);
        services.put("dispatch", dispatch);
        services.put("ingest", ingest);
        services.forEach((name, context) -> {
            WarmUp warmUp = context.getBean(WarmUp.class);
            try {
                while (!warmUp.awaitWarm(Duration.ofSeconds(10))) {
                    log.info("waiting for {} to warm up: {}", name, warmUp.progress());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while " + name + " warmed up", e);
            }
        });
    }

    /** On loopback: nothing of the standalone is reachable from another machine unless asked for. */
    static ConfigurableApplicationContext run(SpringApplicationBuilder builder, Map<String, ?> settings, int port) {
        return run(builder, settings, LOOPBACK, port);
    }

    static ConfigurableApplicationContext run(SpringApplicationBuilder builder, Map<String, ?> settings, String address, int port) {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.add("--" + k + "=" + v));
        args.add("--server.address=" + address);
        args.add("--server.port=" + port);
        return builder.registerShutdownHook(false).run(args.toArray(String[]::new));
    }

    /** Dispatch's engine: for a stop that hands the runs in progress over at once (a second Ctrl-C). */
    public Dispatcher dispatcher() {
        return dispatch.getBean(Dispatcher.class);
    }

    public int ingestPort() {
        return port(ingest);
    }

    public int dispatchPort() {
        return port(dispatch);
    }

    public int reportPort() {
        return port(report);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
    }

    /** Ingest first (no new work), then dispatch (runs in progress finish and are published), then report. */
    @Override
    public void close() {
        ingest.close();
        dispatch.close();
        report.close();
    }
}
