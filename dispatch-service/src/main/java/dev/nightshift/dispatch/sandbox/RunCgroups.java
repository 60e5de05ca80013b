package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The cgroup v1 memory and pids controllers, where this process may write them (root, or a delegated
 * hierarchy): each run gets a child of this process's own cgroups, so a run is bounded inside whatever
 * bounds the service, and one run's fork or memory bomb stays its own.
 */
public record RunCgroups(Path memory, Path pids) {

    private static final Path ROOT = Path.of("/sys/fs/cgroup");

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

    /** One run's cgroups with its limits set; the launcher joins them before anything of the run starts. */
    public RunCgroup create(String runId, RunLimits limits) throws IOException {
        String name = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        Path m = Files.createDirectories(memory.resolve(name));
        Path p = Files.createDirectories(pids.resolve(name));
        Files.writeString(m.resolve("memory.limit_in_bytes"), Long.toString(limits.memory().toBytes()));
        Files.writeString(p.resolve("pids.max"), Integer.toString(limits.processes()));
        return new RunCgroup(m, p);
    }
}
