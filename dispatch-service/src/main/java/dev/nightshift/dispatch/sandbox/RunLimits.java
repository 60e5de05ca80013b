package dev.nightshift.dispatch.sandbox;

import java.time.Duration;

import org.springframework.util.unit.DataSize;

/**
 * What one run may use. Memory and processes count the whole run (a cgroup); CPU time, file size and open
 * files each process; the workspace and /tmp are in-memory file systems of these sizes, so what is written
 * there also counts toward the memory.
 */
public record RunLimits(DataSize memory, int processes, Duration cpuTime, DataSize fileSize, int openFiles, DataSize workspace,
        DataSize tmp) {
}
