package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cgroup v1 memory and pids controllers, where this process may write them (root, or a delegated
 * hierarchy): each run gets a child of this process's own cgroups, so a run is bounded inside whatever
 * bounds the service, and one run's fork or memory bomb stays its own.
 * <p>
 * Groups are kept and handed to later runs once emptied: making and removing a memory cgroup costs the
 * kernel about 3 ms, setting the limits of one that exists about 0.05 ms. They are named after this
 * process, so dispatchers sharing a parent cgroup never take each other's.
 */
public final class RunCgroups implements RunLimiter {

    private static final Logger log = LoggerFactory.getLogger(RunCgroups.class);
    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private final Path memory;
    private final Path pids;
    /** Names unique on this host: this process's pid, then a count shared by every instance in it. */
    private static final String PREFIX = "p" + ProcessHandle.current().pid() + "-";
    private static final AtomicInteger MADE = new AtomicInteger();
    private final ConcurrentLinkedDeque<RunCgroup> idle = new ConcurrentLinkedDeque<>();

    RunCgroups(Path memory, Path pids) {
        this.memory = memory;
        this.pids = pids;
    }

    /** Empty when the controllers are not mounted as cgroup v1 or not writable here. */
    public static Optional<RunCgroups> forThisProcess() {
        try {
            List<String> own = Files.readAllLines(Path.of("/proc/self/cgroup"));
            Optional<Path> memory = own(own, "memory");
            Optional<Path> pids = own(own, "pids");
            if (memory.isEmpty() || pids.isEmpty()) {
                return Optional.empty();
            }
            Path m = Files.createDirectories(memory.get().resolve("nightshift"));
            Path p = Files.createDirectories(pids.get().resolve("nightshift"));
            return Files.isWritable(m.resolve("cgroup.procs")) && Files.isWritable(p.resolve("cgroup.procs"))
                    ? Optional.of(new RunCgroups(m, p)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A line such as {@code 4:memory:/a/b} names where this process sits in that controller's hierarchy. */
    private static Optional<Path> own(List<String> lines, String controller) {
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains(controller)) {
                Path dir = ROOT.resolve(controller).resolve(parts[2].substring(1));
                return Files.isDirectory(dir) ? Optional.of(dir) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Where every run's memory cgroup of every dispatcher sharing this parent lives. */
    public Path memory() {
        return memory;
    }

    /** Where every run's pids cgroup of every dispatcher sharing this parent lives. */
    public Path pids() {
        return pids;
    }

    @Override
    public String describe() {
        return "cgroup v1 at " + memory + " and " + pids + " (memory.limit_in_bytes, pids.max)";
    }

    /** Cgroups for one run with its limits set, an idle one when there is one; the launcher joins them first. */
    @Override
    public RunCgroup take(RunLimits limits) throws IOException {
        RunCgroup group;
        while ((group = idle.poll()) != null) {
            try {
                return group.limit(limits);
            } catch (IOException e) {
                // memory still charged to it from its last run can refuse a lower limit: make a fresh one
                log.debug("cgroup {} not reused: {}", group.memory(), e.getMessage());
                group.remove();
            }
        }
        String name = PREFIX + MADE.incrementAndGet();
        return new RunCgroup(Files.createDirectories(memory.resolve(name)), Files.createDirectories(pids.resolve(name)), this)
                .limit(limits);
    }

    /** Back for the next run, once nothing of its last one is in it. */
    void release(RunCgroup group) {
        idle.push(group);
    }

    /** Removes the idle groups; a run still going keeps its own until it ends. */
    @Override
    public void close() {
        RunCgroup group;
        while ((group = idle.poll()) != null) {
            group.remove();
        }
    }
}
