package dev.nightshift.dispatch.sandbox;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.util.unit.DataSize;

/**
 * What one run may use. Memory and processes count the whole run (a cgroup); CPU time, file size and open
 * files each process; the workspace and /tmp are in-memory file systems of these sizes, so what is written
 * there also counts toward the memory.
 */
public record RunLimits(DataSize memory, int processes, Duration cpuTime, DataSize fileSize, int openFiles, DataSize workspace,
        DataSize tmp) {

    /**
     * The limits that are zero or negative, as "name value": such a limit is no limit at all where it is
     * applied (a memory cgroup takes -1 as unlimited), so none is ever granted.
     */
    public List<String> notPositive() {
        List<String> bad = new ArrayList<>();
        if (memory == null || memory.toBytes() <= 0) {
            bad.add("memory " + memory);
        }
        if (processes <= 0) {
            bad.add("processes " + processes);
        }
        if (cpuTime == null || cpuTime.isNegative() || cpuTime.isZero()) {
            bad.add("cpu-time " + cpuTime);
        }
        if (fileSize == null || fileSize.toBytes() <= 0) {
            bad.add("file-size " + fileSize);
        }
        if (openFiles <= 0) {
            bad.add("open-files " + openFiles);
        }
        if (workspace == null || workspace.toBytes() <= 0) {
            bad.add("workspace " + workspace);
        }
        if (tmp == null || tmp.toBytes() <= 0) {
            bad.add("tmp " + tmp);
        }
        return bad;
    }

    /** @throws IllegalArgumentException naming each setting under {@code prefix} that is not positive */
    public RunLimits requirePositive(String prefix) {
        List<String> bad = notPositive();
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("every limit must be positive: " + String.join(", ",
                    bad.stream().map(b -> prefix + "." + b).toList()));
        }
        return this;
    }
}
