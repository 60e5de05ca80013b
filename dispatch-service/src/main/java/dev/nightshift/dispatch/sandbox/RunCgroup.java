package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run's memory and pids cgroups. Closing it kills whatever is still in them; emptied, they go back to
 * their {@link RunCgroups} for a later run.
 */
public record RunCgroup(Path memory, Path pids, RunCgroups owner) implements RunLimiter.Share {

    private static final Logger log = LoggerFactory.getLogger(RunCgroup.class);

    @Override
    public String launcherCommands() {
        return joinCommands();
    }

    /** Shell commands that move the shell running them (and so all it starts) into this run's cgroups. */
    public String joinCommands() {
        return "echo $$ > " + memory.resolve("cgroup.procs") + " && echo $$ > " + pids.resolve("cgroup.procs") + " && ";
    }

    RunCgroup limit(RunLimits limits) throws IOException {
        Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memory().toBytes()));
        Files.writeString(pids.resolve("pids.max"), Integer.toString(limits.processes()));
        return this;
    }

    @Override
    public void close() {
        if (empty()) {
            owner.release(this);
        } else {
            log.warn("cgroup {} still holds processes after 10 s; not reused", memory);
        }
    }

    /** Kills what is left in the groups and waits until the kernel has let it go. */
    private boolean empty() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (Path group : List.of(pids, memory)) {
            while (true) {
                try {
                    List<String> left = Files.readAllLines(group.resolve("cgroup.procs"));
                    if (left.isEmpty()) {
                        break;
                    }
                    left.forEach(pid -> ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly));
                } catch (IOException e) {
                    log.warn("cgroup {}: {}", group, e.getMessage());
                    return false;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Gone for good: a group that could not be reused. */
    void remove() {
        for (Path group : List.of(pids, memory)) {
            try {
                Files.deleteIfExists(group);
            } catch (IOException e) {
                log.warn("cgroup {} not removed: {}", group, e.getMessage());
            }
        }
    }
}
