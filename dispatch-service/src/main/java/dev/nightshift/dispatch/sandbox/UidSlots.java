package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where no cgroup is writable: RLIMIT_NPROC and RLIMIT_AS. RLIMIT_NPROC counts every process of a uid, so as
 * root each run slot has a uid of its own ({@code base + slot}) and the limit is one run's processes only; a
 * slot's uid goes to the next run once no process of it is left. RLIMIT_AS bounds each process's address
 * space, not the run's sum: the coarser part of this fallback, with the workspace and /tmp sizes beside it.
 * <p>
 * Without root (no uid to switch to) every run keeps dispatch's uid and the process limit is set inside the
 * sandbox instead, where the kernel (5.14 on) counts it per user namespace, so per run as well.
 *
 */
public final class UidSlots implements RunLimiter {

    private static final Logger log = LoggerFactory.getLogger(UidSlots.class);

    private final Path prlimit;
    private final Integer base;
    private final int maxSlots;
    private final BitSet taken = new BitSet();

    /**
     * @param prlimit  util-linux's prlimit, which sets limits the same way whatever /bin/sh is (ulimit's letters differ)
     * @param base     the first slot's uid; null when uids cannot be switched (dispatch is not root)
     * @param maxSlots the most runs at once
     */
    public UidSlots(Path prlimit, Integer base, int maxSlots) {
        this.prlimit = prlimit;
        this.base = base;
        this.maxSlots = maxSlots;
    }

    /** The first slot's uid; null when uids are not switched. */
    public Integer base() {
        return base;
    }

    @Override
    public String describe() {
        return base == null
                ? "rlimits (RLIMIT_NPROC in each run's user namespace, RLIMIT_AS per process; dispatch is not root, so no uid per run slot)"
                : "rlimits with a uid per run slot (uids " + base + " to " + (base + maxSlots - 1) + "; RLIMIT_NPROC, RLIMIT_AS per process)";
    }

    @Override
    public Slot take(RunLimits limits) throws IOException {
        synchronized (taken) {
            for (int slot = taken.nextClearBit(0); slot < maxSlots; slot = taken.nextClearBit(slot + 1)) {
                // a uid with processes belongs to something else (another dispatcher on this host): not this run's
                if (base == null || processesOf(base + slot).isEmpty()) {
                    taken.set(slot);
                    return new Slot(this, slot, limits);
                }
            }
        }
        throw new IOException("all " + maxSlots + " run slots (uids from " + base + ") are in use or still hold processes");
    }

    /** Slots are taken and given back per run. */
    @Override
    public void close() {
    }

    private void release(int slot) {
        synchronized (taken) {
            taken.clear(slot);
        }
    }

    /** One run's slot: its uid (when switched) and its limits as shell commands. */
    public record Slot(UidSlots owner, int slot, RunLimits limits) implements RunLimiter.Share {

        @Override
        public OptionalInt uid() {
            return owner.base() == null ? OptionalInt.empty() : OptionalInt.of(owner.base() + slot);
        }

        @Override
        public String launcherCommands() {
            // without a uid of its own the run's count is taken in its user namespace, set by sandboxCommands
            return owner.prlimit + " --pid $$ --as=" + limits.memory().toBytes()
                    + (owner.base() == null ? "" : " --nproc=" + limits.processes()) + " && ";
        }

        /** Run first inside the sandbox, once its user namespace exists; empty when the launcher set the limit. */
        public String sandboxCommands() {
            return owner.base() == null ? owner.prlimit + " --pid $$ --nproc=" + limits.processes() + " && " : "";
        }

        /** The slot is free again once no process of its uid is left; one that keeps any after 10 s is not reused. */
        @Override
        public void close() {
            if (uid().isEmpty()) {
                owner.release(slot);
                return;
            }
            int uid = uid().getAsInt();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            List<ProcessHandle> left;
            while (!(left = processesOf(uid)).isEmpty()) {
                left.forEach(ProcessHandle::destroyForcibly);
                if (System.nanoTime() > deadline) {
                    log.warn("uid {} still has processes after 10 s; its run slot is not reused", uid);
                    return;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            owner.release(slot);
        }
    }

    /** Every process whose real uid is this one (the "Uid:" line of /proc/PID/status: real, effective, saved, fs). */
    static List<ProcessHandle> processesOf(int uid) {
        List<ProcessHandle> found = new ArrayList<>();
        String wanted = "Uid:\t" + uid + "\t";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    if (Files.readAllLines(proc.resolve("status")).stream().anyMatch(l -> l.startsWith(wanted))) {
                        ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(found::add);
                    }
                } catch (IOException | NumberFormatException gone) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            log.warn("listing processes of uid {}: {}", uid, e.getMessage());
        }
        return found;
    }
}
