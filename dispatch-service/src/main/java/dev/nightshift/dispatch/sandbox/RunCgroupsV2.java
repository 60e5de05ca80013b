package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cgroup v2, in the subtree delegated to dispatch (its own cgroup, writable by it: root, a systemd unit
 * with {@code Delegate=yes}, a container given its cgroup): each run gets a child with memory.max,
 * memory.swap.max 0 and pids.max, made for the run and removed after it, its leftovers killed through
 * cgroup.kill. A cgroup with children under controllers may hold no process itself, so dispatch first
 * moves what is in its own cgroup into a leaf beside the runs' ({@value #SERVICE}).
 *
 * @param subtree dispatch's own cgroup, where the runs' groups are made
 */
public record RunCgroupsV2(Path subtree) implements RunLimiter {

    private static final Logger log = LoggerFactory.getLogger(RunCgroupsV2.class);
    static final String SERVICE = "nightshift-service";
    private static final Set<String> CONTROLLERS = Set.of("memory", "pids");
    private static final String PREFIX = "nightshift-run-" + ProcessHandle.current().pid() + "-";
    private static final AtomicInteger MADE = new AtomicInteger();

    /** Empty unless this process sits in a cgroup v2 hierarchy it may delegate memory and pids in. */
    public static Optional<RunCgroupsV2> forThisProcess() {
        try {
            Optional<Path> mount = mountPoint(Files.readAllLines(Path.of("/proc/self/mountinfo")));
            Optional<String> own = ownPath(Files.readAllLines(Path.of("/proc/self/cgroup")));
            if (mount.isEmpty() || own.isEmpty()) {
                return Optional.empty();
            }
            return delegate(mount.get().resolve(own.get().substring(1)));
        } catch (IOException e) {
            log.debug("cgroup v2 not usable: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** Where the cgroup2 file system is mounted, from /proc/self/mountinfo (field 5 the mount point, after " - " the type). */
    static Optional<Path> mountPoint(List<String> mountinfo) {
        for (String line : mountinfo) {
            int dash = line.indexOf(" - ");
            if (dash > 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
                return Optional.of(Path.of(line.split(" ")[4]));
            }
        }
        return Optional.empty();
    }

    /** This process's place in the v2 hierarchy: the "0::/path" line of /proc/self/cgroup. */
    static Optional<String> ownPath(List<String> cgroup) {
        return cgroup.stream().filter(l -> l.startsWith("0::/")).map(l -> l.substring(3)).findFirst();
    }

    /**
     * Takes {@code own} (this process's cgroup) as the runs' parent: enables memory and pids for its children,
     * after moving what is in it into a leaf of its own. Empty when the controllers are not available there or
     * the cgroup is not writable.
     */
    static Optional<RunCgroupsV2> delegate(Path own) throws IOException {
        Path controllers = own.resolve("cgroup.controllers");
        Path subtreeControl = own.resolve("cgroup.subtree_control");
        if (!Files.isReadable(controllers) || !Files.isWritable(subtreeControl) || !Files.isWritable(own)
                || !words(controllers).containsAll(CONTROLLERS)) {
            return Optional.empty();
        }
        if (!words(subtreeControl).containsAll(CONTROLLERS)) {
            // no internal processes: a cgroup whose children get controllers holds none itself
            Path service = Files.createDirectories(own.resolve(SERVICE));
            for (String pid : Files.readAllLines(own.resolve("cgroup.procs"))) {
                if (!pid.isBlank()) {
                    Files.writeString(service.resolve("cgroup.procs"), pid.strip());
                }
            }
            Files.writeString(subtreeControl, "+memory +pids");
        }
        return Optional.of(new RunCgroupsV2(own));
    }

    private static Set<String> words(Path file) throws IOException {
        return Set.of(Files.readString(file).strip().split("\\s+"));
    }

    @Override
    public String describe() {
        return "cgroup v2 at " + subtree + " (memory.max, pids.max, one child per run)";
    }

    @Override
    public Group take(RunLimits limits) throws IOException {
        Path dir = Files.createDirectory(subtree.resolve(PREFIX + MADE.incrementAndGet()));
        try {
            Files.writeString(dir.resolve("memory.max"), Long.toString(limits.memory().toBytes()));
            // what a run cannot keep in memory it must not push to swap either (absent where there is no swap)
            if (Files.exists(dir.resolve("memory.swap.max"))) {
                Files.writeString(dir.resolve("memory.swap.max"), "0");
            }
            Files.writeString(dir.resolve("pids.max"), Integer.toString(limits.processes()));
            return new Group(dir);
        } catch (IOException e) {
            new Group(dir).close();
            throw e;
        }
    }

    /** Run groups are made per run and go with it: nothing to let go of here. */
    @Override
    public void close() {
    }

    /** One run's cgroup. */
    public record Group(Path dir) implements RunLimiter.Share {

        @Override
        public String launcherCommands() {
            return "echo $$ > " + dir.resolve("cgroup.procs") + " && ";
        }

        /** Kills what is left (cgroup.kill, Linux 5.14 on; else each process), waits for it to go, removes the group. */
        @Override
        public void close() {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            try {
                Path kill = dir.resolve("cgroup.kill");
                while (true) {
                    List<String> left = Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).toList();
                    if (left.isEmpty()) {
                        break;
                    }
                    if (Files.exists(kill)) {
                        Files.writeString(kill, "1");
                    } else {
                        left.forEach(pid -> ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly));
                    }
                    if (System.nanoTime() > deadline) {
                        log.warn("cgroup {} still holds processes after 10 s; left in place", dir);
                        return;
                    }
                    Thread.sleep(20);
                }
                Files.delete(dir);
            } catch (IOException e) {
                log.warn("cgroup {} not removed: {}", dir, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
