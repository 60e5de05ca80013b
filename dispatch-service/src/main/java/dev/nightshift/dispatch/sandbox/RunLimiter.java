package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.util.OptionalInt;

import dev.nightshift.dispatch.DispatchProperties.LimitsMechanism;

/**
 * How each run's memory and process count are bounded, so one run's fork or memory bomb stays its own:
 * cgroup v2 or v1 where dispatch may write them, else RLIMIT_NPROC and RLIMIT_AS with a uid per run slot.
 * Chosen once at start-up ({@code nightshift.dispatch.sandbox.limits-mechanism}).
 */
public sealed interface RunLimiter extends AutoCloseable permits RunCgroups, RunCgroupsV2, UidSlots {

    /** One run's share, taken before its sandbox starts; closing it ends whatever of the run is left in it. */
    interface Share extends AutoCloseable {

        /** Shell commands the launcher runs as dispatch's user before anything of the run exists, each ending in "&& ". */
        String launcherCommands();

        /** The uid the run's processes have on the host; empty for the sandbox's usual one ({@code run-as-uid}). */
        default OptionalInt uid() {
            return OptionalInt.empty();
        }

        @Override
        void close();
    }

    /** Slots of the rlimits fallback: far more than one dispatcher runs at once. */
    int UID_SLOTS = 1024;

    /**
     * The mechanism the setting names, or under auto the first that works here: cgroup v2, cgroup v1, rlimits.
     *
     * @param root        dispatch runs as root (it can give each run slot a uid of its own)
     * @param slotUidBase the first run slot's uid under rlimits as root
     */
    static RunLimiter forThisProcess(LimitsMechanism mechanism, boolean root, int slotUidBase) {
        String unusable = "nightshift.dispatch.sandbox.limits-mechanism=" + mechanism.name().toLowerCase().replace('_', '-') + " but ";
        return switch (mechanism) {
            case CGROUP_V2 -> RunCgroupsV2.forThisProcess().orElseThrow(() -> new IllegalStateException(unusable
                    + "this process's cgroup v2 is not writable or lacks the memory and pids controllers; choose auto or rlimits"));
            case CGROUP_V1 -> RunCgroups.forThisProcess().orElseThrow(() -> new IllegalStateException(unusable
                    + "no writable cgroup v1 memory and pids controllers here; choose auto or rlimits"));
            case RLIMITS -> uidSlots(root, slotUidBase);
            case AUTO -> RunCgroupsV2.forThisProcess().<RunLimiter>map(v2 -> v2)
                    .or(() -> RunCgroups.forThisProcess())
                    .orElseGet(() -> uidSlots(root, slotUidBase));
        };
    }

    private static UidSlots uidSlots(boolean root, int slotUidBase) {
        return new UidSlots(Executables.require("prlimit", "to set each run's process and memory limits (util-linux)"),
                root ? slotUidBase : null, UID_SLOTS);
    }

    Share take(RunLimits limits) throws IOException;

    /** What is in force, for the start-up line "per-run limits: ...". */
    String describe();

    /** Lets go of what runs shared; runs still going keep their own share until they end. */
    @Override
    void close();
}
