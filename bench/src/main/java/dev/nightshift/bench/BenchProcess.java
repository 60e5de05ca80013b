package dev.nightshift.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A JVM the ingest bench starts: a main class on a class path, its output in a log file, secrets in its environment. */
final class BenchProcess implements AutoCloseable {

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    final String name;
    final Path log;
    final Process process;

    private BenchProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    /** Starts it; its stdout and stderr go to {@code log} unless {@code piped} (then stdin and stdout are the caller's). */
    static BenchProcess start(String name, Path log, String classPath, List<String> jvmFlags, String main, List<String> args,
            Map<String, String> environment, boolean piped) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classPath, main));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        if (piped) {
            builder.redirectError(log.toFile());
        } else {
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        return new BenchProcess(name, log, builder.start());
    }

    long pid() {
        return process.pid();
    }

    long logBytes() throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Waits (at most two minutes) until {@code ready} holds, failing with the log when the process died first. */
    BenchProcess await(String what, Predicate<BenchProcess> ready) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!ready.test(this)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not become " + what + "; its log (" + log + "):\n" + logText());
            }
            Thread.sleep(200);
        }
        return this;
    }

    /** Heap in use, in KiB, after two full collections (jcmd GC.run is System.gc()). */
    long heapAfterFullGcKb() throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        BenchEnvironment.shell(jcmd + " " + pid() + " GC.run");
        BenchEnvironment.shell(jcmd + " " + pid() + " GC.run");
        String info = BenchEnvironment.shell(jcmd + " " + pid() + " GC.heap_info");
        Matcher m = HEAP_USED.matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("no heap figure from jcmd for " + name + ": " + info);
        }
        return Long.parseLong(m.group(1));
    }

    /** The first lines of its class histogram (after a full collection): what fills its heap. */
    String histogram(int lines) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        return BenchEnvironment.shell(jcmd + " " + pid() + " GC.class_histogram | sed -n '2," + (lines + 3) + "p'");
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
