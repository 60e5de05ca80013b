package dev.nightshift.dispatch.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one launch as the leader of its own process group ({@code setsid}) and makes sure the whole
 * tree is gone when it returns: at the wall-time limit or on a stop request TERM to the agent, then KILL
 * after the grace period, then KILL to every process the run had started (a sandbox puts them in other
 * groups), awaited; and KILL for any leftover of the group after a normal exit too.
 */
public final class AgentProcess {

    private static final Logger log = LoggerFactory.getLogger(AgentProcess.class);
    private static final int STDERR_TAIL_CHARS = 2000;

    /** Enough for any real run's stream, far below what would strain dispatch's heap. */
    public static final long DEFAULT_OUTPUT_LIMIT = 16L * 1024 * 1024;

    private final Path setsid;
    private final Path kill;
    private final long outputLimit;

    /** @param outputLimit the most stdout characters one run may print; past it the run is stopped */
    public AgentProcess(Path setsid, Path kill, long outputLimit) {
        this.setsid = setsid;
        this.kill = kill;
        this.outputLimit = outputLimit;
    }

    public static AgentProcess fromPath() {
        return fromPath(DEFAULT_OUTPUT_LIMIT);
    }

    public static AgentProcess fromPath(long outputLimit) {
        return new AgentProcess(
                Executables.require("setsid", "to give each agent its own process group (util-linux)"),
                Executables.require("kill", "to stop an agent's process group (procps)"),
                outputLimit);
    }

    /**
     * @param exitCode   null when the process was stopped (wall time, or a stop request)
     * @param stopped    why it was stopped on request (a cancellation, dispatch shutting down), else null
     * @param stderrTail the last part of what the agent wrote to stderr, for failure reasons
     * @param outputOverLimit the agent printed more than the output limit and was stopped for it
     */
    public record Exit(Integer exitCode, boolean timedOut, String stopped, String stderrTail, Duration duration, boolean outputOverLimit) {
    }

    /** Runs to the end or the wall time; nothing can stop it early. */
    public Exit run(Launch launch, Duration wallTime, Duration killGrace, Consumer<String> onLine) throws IOException {
        return run(launch, wallTime, killGrace, onLine, new CompletableFuture<>(), null);
    }

    /**
     * Blocks until the agent's processes are gone; calls {@code onLine} for each stdout line. Call it from a
     * platform thread that lives as long as the run: bubblewrap's --die-with-parent ends the agent when the
     * OS thread that started it ends (a virtual thread's carrier can end at any time), which is also what
     * makes a dispatcher killed outright leave no agent behind.
     *
     * @param stop completing it (with the reason) stops the agent: TERM to the agent itself, KILL after the grace
     * @param go   null for a launch that is not {@link Launch#gated}; else the agent starts when it completes, and
     *             never if it fails (or {@code stop} comes first); the wall time counts from then
     */
    public Exit run(Launch launch, Duration wallTime, Duration killGrace, Consumer<String> onLine, CompletableFuture<String> stop,
            CompletableFuture<?> go) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add(setsid.toString());
        argv.addAll(launch.argv());
        ProcessBuilder builder = new ProcessBuilder(argv).directory(launch.directory().toFile());
        builder.environment().clear();
        builder.environment().putAll(launch.environment());
        if (go == null && launch.input() == null) {
            builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        }

        long started = System.nanoTime();
        Process process = builder.start();
        long group = process.pid(); // setsid execs in place: the pid is the process group id
        StringBuilder stderr = new StringBuilder();
        CompletableFuture<Void> overLimit = new CompletableFuture<>();
        Thread out = Thread.ofVirtual().name("agent-stdout-" + group).start(() -> {
            if (!readLines(process.getInputStream(), onLine, outputLimit)) {
                overLimit.complete(null);
            }
        });
        Thread err = Thread.ofVirtual().name("agent-stderr-" + group).start(() -> readLines(process.getErrorStream(), line -> {
            synchronized (stderr) {
                stderr.append(line).append('\n');
                if (stderr.length() > 2 * STDERR_TAIL_CHARS) {
                    stderr.delete(0, stderr.length() - STDERR_TAIL_CHARS);
                }
            }
        }, Long.MAX_VALUE));
        String refused = go == null ? feed(process, launch.input()) : openGate(process, go, stop, launch.input());
        if (go != null) {
            started = System.nanoTime(); // the agent's own time starts at the gate
        }
        boolean timedOut = false;
        String stopped = refused;
        List<ProcessHandle> tree = List.of();
        try {
            if (refused == null) { // else the agent never started: its gate ends on its own
                try {
                    CompletableFuture.anyOf(process.onExit(), stop, overLimit).get(wallTime.toMillis(), TimeUnit.MILLISECONDS);
                    stopped = process.isAlive() && !overLimit.isDone() ? stop.getNow("stopped") : null;
                } catch (TimeoutException e) {
                    timedOut = true;
                } catch (ExecutionException e) {
                    stopped = "stopped: " + e.getCause().getMessage();
                }
            }
            if (timedOut || stopped != null || (overLimit.isDone() && process.isAlive())) {
                // taken before any signal: a sandbox's inner processes are in other groups and sessions
                tree = process.descendants().toList();
                log.info("agent group {} {}: TERM", group, timedOut ? "ran past its wall time of " + wallTime
                        : stopped != null ? stopped : "printed more than its output limit of " + outputLimit + " characters");
                terminate(launch, group, process.pid(), tree);
                if (!process.waitFor(killGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.info("agent group {} still alive after {}: KILL", group, killGrace);
                }
            }
        } catch (InterruptedException e) {
            // shutting down: the agent must not outlive us
            tree = process.descendants().toList();
            signalGroup(group, "KILL");
            killAndAwait(tree);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the agent ran; its process group was killed", e);
        } finally {
            // whatever happened, nothing of the group survives the run
            signalGroup(group, "KILL");
        }
        killAndAwait(tree);
        int code = waitUninterruptibly(process);
        join(out, process);
        join(err, process);
        String tail;
        synchronized (stderr) {
            tail = stderr.length() > STDERR_TAIL_CHARS ? stderr.substring(stderr.length() - STDERR_TAIL_CHARS) : stderr.toString();
        }
        boolean ended = !timedOut && stopped == null && !overLimit.isDone();
        return new Exit(ended ? code : null, timedOut, stopped, tail.strip(), Duration.ofNanos(System.nanoTime() - started),
                overLimit.isDone());
    }

    /**
     * Waits for {@code go} (or {@code stop}), then lets the gated agent start, or closes its stdin so it never does.
     *
     * @return null once the agent may run; else why it must not
     */
    private static String openGate(Process process, CompletableFuture<?> go, CompletableFuture<String> stop, String input) {
        String refused;
        try {
            CompletableFuture.anyOf(go, stop).join();
            refused = go.isDone() && !go.isCompletedExceptionally() ? null : stop.getNow("not allowed to start");
        } catch (RuntimeException e) {
            refused = "not allowed to start: " + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
        }
        if (refused == null) {
            write(process, "go\n" + (input == null ? "" : input));
        } else {
            write(process, "");
        }
        return refused;
    }

    /** Writes an ungated agent's input; null (it always may run). */
    private static String feed(Process process, String input) {
        if (input != null) {
            write(process, input);
        }
        return null;
    }

    /** Writes to the agent's stdin and closes it, on a thread of its own: an agent that does not read must not block the run. */
    private static void write(Process process, String text) {
        Thread.ofVirtual().name("agent-stdin-" + process.pid()).start(() -> {
            try (var stdin = process.getOutputStream()) {
                stdin.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                log.debug("agent stdin of process {}: {}", process.pid(), e.getMessage());
            }
        });
    }

    /**
     * TERM to the agent itself, so it can stop cleanly. Inside a sandbox the launcher must not get it: bwrap
     * dies of TERM and its pid namespace takes everything with it at once (KILL, not TERM).
     */
    private void terminate(Launch launch, long group, long launcher, List<ProcessHandle> tree) {
        if (launch.wrapped()) {
            tree.stream().filter(p -> p.pid() != launcher).forEach(ProcessHandle::destroy);
        } else {
            signalGroup(group, "TERM");
        }
    }

    private void signalGroup(long group, String signal) {
        try {
            Process k = new ProcessBuilder(kill.toString(), "-s", signal, "--", "-" + group)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.error("could not signal agent process group {} with {}: {}", group, signal, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Returns once every process of the snapshot is gone, so "the run ended" means the tree is gone too. */
    private static void killAndAwait(List<ProcessHandle> tree) {
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ProcessHandle p : tree) {
            try {
                p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                log.error("agent process {} did not end after KILL: {}", p.pid(), e.getMessage());
            }
        }
    }

    private static int waitUninterruptibly(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A descendant that left the group could hold the pipe open: do not wait for it forever. */
    private static void join(Thread reader, Process process) {
        try {
            reader.join(Duration.ofSeconds(5));
            if (reader.isAlive()) {
                process.getInputStream().close();
                process.getErrorStream().close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("closing agent pipes: {}", e.getMessage());
        }
    }

    /**
     * Hands over each line until the stream ends or {@code limit} characters have come (a line without end
     * counts as it grows, so no single line can fill the heap).
     *
     * @return false when the limit was reached
     */
    private static boolean readLines(InputStream in, Consumer<String> onLine, long limit) {
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            char[] chunk = new char[8192];
            StringBuilder line = new StringBuilder();
            long total = 0;
            int n;
            while ((n = reader.read(chunk)) >= 0) {
                total += n;
                if (total > limit) {
                    return false;
                }
                for (int i = 0; i < n; i++) {
                    char c = chunk[i];
                    if (c == '\n') {
                        int end = line.length() > 0 && line.charAt(line.length() - 1) == '\r' ? line.length() - 1 : line.length();
                        onLine.accept(line.substring(0, end));
                        line.setLength(0);
                    } else {
                        line.append(c);
                    }
                }
            }
            if (!line.isEmpty()) {
                onLine.accept(line.toString());
            }
        } catch (IOException e) {
            log.debug("agent stream closed: {}", e.getMessage());
        }
        return true;
    }
}
