package dev.nightshift.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** report-service as deployed: its own JVM ({@link ServiceProcess}) on the test's broker and registry. */
public final class ReportProcess implements AutoCloseable {

    private final ServiceProcess process;

    private ReportProcess(ServiceProcess process) {
        this.process = process;
    }

    /** @param log where its output goes, after any earlier report's */
    public static ReportProcess start(Path log, Map<String, ?> settings) throws IOException {
        return new ReportProcess(ServiceProcess.start("report", "dev.nightshift.report.ReportApplication", log, settings));
    }

    /** Waits until its sinks' listeners run. */
    public ReportProcess awaitWriting() throws IOException, InterruptedException {
        process.awaitLogged("sink writes run events", Duration.ofSeconds(90));
        return this;
    }

    /** SIGKILL: a crash. */
    public void kill() throws InterruptedException {
        process.kill();
    }

    public String log() throws IOException {
        return process.log();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.alive()) {
            process.stop(Duration.ofSeconds(30));
        }
    }
}
