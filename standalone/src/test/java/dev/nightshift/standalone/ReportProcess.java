package dev.nightshift.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.nightshift.report.ReportApplication;

/** report-service as deployed: its own JVM running its main class, on the test's broker and registry. */
final class ReportProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private ReportProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static ReportProcess start(Path log, Map<String, ?> settings) throws IOException {
        SharedInfrastructure infra = SharedInfrastructure.get();
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("server.port", 0);
        all.put("spring.kafka.bootstrap-servers", infra.bootstrapServers());
        all.put("nightshift.registry-url", infra.registryUrl());
        all.put("logging.include-application-name", false);
        all.putAll(settings);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                ReportApplication.class.getName()));
        all.forEach((k, v) -> cmd.add("--" + k + "=" + v));
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().putAll(TestSigningKey.environment());
        return new ReportProcess(builder.redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start(), log);
    }

    /** Waits until its sinks' listeners run. */
    ReportProcess awaitWriting() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!log().contains("sink writes run events")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("report did not start:\n" + log());
            }
            Thread.sleep(200);
        }
        return this;
    }

    /** SIGKILL: a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
