package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.nightshift.dispatch.DispatchProperties.LimitsMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * cgroup v2 delegation over a directory tree laid out as the kernel's (this machine is cgroup v1): what is
 * read, what is written where, and when v2 is not taken.
 */
class RunCgroupsV2Test {

    private static final RunLimits LIMITS = new RunLimits(DataSize.ofMegabytes(256), 100, Duration.ofMinutes(1), DataSize.ofMegabytes(8),
            64, DataSize.ofMegabytes(16), DataSize.ofMegabytes(8));

    @TempDir
    Path tree;

    @Test
    void theMountAndOwnCgroupAreReadFromProc() {
        List<String> hybrid = List.of("30 23 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755",
                "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
                "42 31 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory");
        List<String> unified = List.of("25 30 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate");

        assertThat(RunCgroupsV2.mountPoint(hybrid)).contains(Path.of("/sys/fs/cgroup/unified"));
        assertThat(RunCgroupsV2.mountPoint(unified)).contains(Path.of("/sys/fs/cgroup"));
        assertThat(RunCgroupsV2.mountPoint(List.of(hybrid.getLast()))).isEmpty();
        assertThat(RunCgroupsV2.ownPath(List.of("1:name=systemd:/x", "0::/system.slice/nightshift-dispatch.service")))
                .contains("/system.slice/nightshift-dispatch.service");
        assertThat(RunCgroupsV2.ownPath(List.of("4:memory:/a", "3:pids:/a"))).isEmpty();
    }

    @Test
    void delegationMovesTheServiceIntoALeafThenEnablesMemoryAndPidsForChildren() throws Exception {
        Path own = cgroup("cpu io memory pids", "", "4242\n");

        RunCgroupsV2 cgroups = RunCgroupsV2.delegate(own).orElseThrow();

        assertThat(cgroups.subtree()).isEqualTo(own);
        assertThat(Files.readString(own.resolve(RunCgroupsV2.SERVICE).resolve("cgroup.procs"))).isEqualTo("4242");
        assertThat(Files.readString(own.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids");
    }

    @Test
    void anAlreadyDelegatedSubtreeIsTakenAsItIs() throws Exception {
        Path own = cgroup("memory pids", "memory pids", "");

        assertThat(RunCgroupsV2.delegate(own)).isPresent();
        assertThat(own.resolve(RunCgroupsV2.SERVICE)).doesNotExist();
    }

    @Test
    void withoutTheMemoryOrPidsControllerOrWriteAccessV2IsNotTaken() throws Exception {
        assertThat(RunCgroupsV2.delegate(cgroup("cpu io pids", "", "1\n"))).isEmpty();
        assertThat(RunCgroupsV2.delegate(cgroup("", "", "1\n"))).as("a hybrid machine's empty v2 hierarchy").isEmpty();
    }

    @Test
    void aCgroupThisProcessMayNotWriteIsNotTaken() throws Exception {
        Path readOnly = cgroup("memory pids", "", "1\n");
        readOnly.resolve("cgroup.subtree_control").toFile().setWritable(false);
        assumeTrue(!Files.isWritable(readOnly.resolve("cgroup.subtree_control")), "root writes anything");
        assertThat(RunCgroupsV2.delegate(readOnly)).isEmpty();
    }

    @Test
    void eachRunGetsAChildWithItsLimitsThatItsLauncherJoins() throws Exception {
        Path own = cgroup("memory pids", "", "");
        RunCgroupsV2 cgroups = RunCgroupsV2.delegate(own).orElseThrow();

        RunCgroupsV2.Group a = cgroups.take(LIMITS);
        RunCgroupsV2.Group b = cgroups.take(LIMITS);

        assertThat(a.dir().getParent()).isEqualTo(own);
        assertThat(a.dir()).isNotEqualTo(b.dir());
        assertThat(Files.readString(a.dir().resolve("memory.max"))).isEqualTo(Long.toString(DataSize.ofMegabytes(256).toBytes()));
        assertThat(Files.readString(a.dir().resolve("pids.max"))).isEqualTo("100");
        assertThat(a.launcherCommands()).isEqualTo("echo $$ > " + a.dir().resolve("cgroup.procs") + " && ");
    }

    @Test
    void choosingAMechanismThatCannotWorkHereStopsStartUpNamingTheSetting() {
        assumeTrue(RunCgroupsV2.forThisProcess().isEmpty(), "cgroup v2 is usable here");

        assertThatThrownBy(() -> RunLimiter.forThisProcess(LimitsMechanism.CGROUP_V2, true, 100000))
                .hasMessageContaining("nightshift.dispatch.sandbox.limits-mechanism=cgroup-v2 but");
        assertThat(RunLimiter.forThisProcess(LimitsMechanism.RLIMITS, true, 100000).describe())
                .startsWith("rlimits with a uid per run slot (uids 100000 to 101023");
        assertThat(RunLimiter.forThisProcess(LimitsMechanism.RLIMITS, false, 100000).describe()).contains("not root");
        try (RunLimiter auto = RunLimiter.forThisProcess(LimitsMechanism.AUTO, true, 100000)) {
            Optional<RunCgroups> v1 = RunCgroups.forThisProcess();
            assertThat(auto).isInstanceOf(v1.isPresent() ? RunCgroups.class : UidSlots.class);
            v1.ifPresent(RunCgroups::close);
        }
    }

    /** A cgroup directory as the kernel shows it, with these file contents. */
    private Path cgroup(String controllers, String subtreeControl, String procs) throws Exception {
        Path dir = Files.createTempDirectory(tree, "cg");
        Files.writeString(dir.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(dir.resolve("cgroup.subtree_control"), subtreeControl + "\n");
        Files.writeString(dir.resolve("cgroup.procs"), procs);
        return dir;
    }
}
