package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Run cgroups are handed on only empty, with the next run's limits; the real kernel's, as root. */
class RunCgroupsTest {

    private static final RunLimits SMALL = limits(DataSize.ofMegabytes(64), 16);
    private static final RunLimits LARGE = limits(DataSize.ofMegabytes(256), 128);

    private RunCgroups cgroups;

    @BeforeEach
    void setUp() {
        cgroups = RunCgroups.forThisProcess().orElse(null);
        assumeTrue(cgroups != null, "no writable cgroup v1 memory and pids controllers here (not root)");
    }

    @AfterEach
    void tearDown() {
        if (cgroups != null) {
            cgroups.close();
        }
    }

    @Test
    void aGroupIsReusedWithTheNextRunsLimits() throws Exception {
        RunCgroup first = cgroups.take(SMALL);
        assertThat(Files.readString(first.memory().resolve("memory.limit_in_bytes")).strip()).isEqualTo(Long.toString(SMALL.memory().toBytes()));
        first.close();

        RunCgroup second = cgroups.take(LARGE);

        assertThat(second.memory()).isEqualTo(first.memory());
        assertThat(Files.readString(second.memory().resolve("memory.limit_in_bytes")).strip()).isEqualTo(Long.toString(LARGE.memory().toBytes()));
        assertThat(Files.readString(second.pids().resolve("pids.max")).strip()).isEqualTo("128");
        second.close();
    }

    @Test
    void whatARunLeftBehindIsKilledBeforeItsGroupIsHandedOn() throws Exception {
        RunCgroup group = cgroups.take(SMALL);
        Process straggler = new ProcessBuilder("/bin/sh", "-c", group.joinCommands() + "exec sleep 300").start();
        waitUntil(() -> !Files.readAllLines(group.pids().resolve("cgroup.procs")).isEmpty());

        group.close();

        assertThat(straggler.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllLines(group.pids().resolve("cgroup.procs"))).isEmpty();
        assertThat(cgroups.take(SMALL)).isEqualTo(group);
    }

    @Test
    void closingRemovesTheIdleGroups() throws Exception {
        RunCgroup group = cgroups.take(SMALL);
        group.close();

        cgroups.close();

        assertThat(group.memory()).doesNotExist();
        assertThat(group.pids()).doesNotExist();
    }

    @Test
    void twoInstancesInOneProcessNeverShareAGroup() throws Exception {
        try (RunCgroups other = RunCgroups.forThisProcess().orElseThrow()) {
            RunCgroup mine = cgroups.take(SMALL);
            RunCgroup theirs = other.take(SMALL);
            assertThat(theirs.memory()).isNotEqualTo(mine.memory());
            assertThat(List.of(mine.pids(), theirs.pids())).doesNotHaveDuplicates();
            mine.close();
            theirs.close();
        }
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void waitUntil(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as("in time").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static RunLimits limits(DataSize memory, int processes) {
        return new RunLimits(memory, processes, Duration.ofMinutes(1), DataSize.ofMegabytes(10), 64, DataSize.ofMegabytes(10),
                DataSize.ofMegabytes(10));
    }
}
