package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One run's memory and pids cgroups. Closing it kills whatever is still in them and removes them. */
public record RunCgroup(Path memory, Path pids) implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunCgroup.class);

    /** Shell commands that move the shell running them (and so all it starts) into this run's cgroups. */
    public String joinCommands() {
        return "echo $$ > " + memory.resolve("cgroup.procs") + " && echo $$ > " + pids.resolve("cgroup.procs") + " && ";
    }

    /** How often the kernel killed a process of this run for going over its memory. */
    public long oomKills() {
        try {
            return Files.readAllLines(memory.resolve("memory.oom_control")).stream()
                    .filter(l -> l.startsWith("oom_kill ")).mapToLong(l -> Long.parseLong(l.substring(9).strip())).sum();
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (Path group : List.of(pids, memory)) {
            while (true) {
                try {
                    List<String> left = Files.readAllLines(group.resolve("cgroup.procs"));
                    left.forEach(pid -> ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly));
                    Files.delete(group);
                    break;
                } catch (IOException e) {
                    // processes still exiting keep the group busy for a moment
                    if (System.nanoTime() > deadline) {
                        log.warn("cgroup {} not removed: {}", group, e.getMessage());
                        break;
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }
}
