package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import dev.nightshift.dispatch.sandbox.SeccompFilter.Arch;
import dev.nightshift.dispatch.sandbox.SeccompFilter.Insn;
import org.junit.jupiter.api.Test;

/** The filter's program run by a small classic-BPF interpreter over made-up system calls, for both architectures. */
class SeccompFilterTest {

    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int CLONE_NEWUSER = 0x10000000;
    private static final int SIGCHLD = 17;

    @Test
    void everyDeniedCallGetsEpermOnBothArchitectures() {
        for (Arch arch : Arch.values()) {
            for (String name : SeccompFilter.DENIED) {
                assertThat(verdict(arch, arch.audit, arch.number(name), 0)).as(name + " on " + arch)
                        .isEqualTo(SeccompFilter.ERRNO | SeccompFilter.EPERM);
            }
        }
    }

    @Test
    void ordinaryCallsAreAllowed() {
        // read, write, openat, execve, exit_group; then a fork-like clone
        assertThat(List.of(0, 1, 257, 59, 231)).allSatisfy(nr -> assertThat(verdict(Arch.X86_64, Arch.X86_64.audit, nr, 0))
                .isEqualTo(SeccompFilter.ALLOW));
        assertThat(List.of(63, 64, 56, 221, 94)).allSatisfy(nr -> assertThat(verdict(Arch.AARCH64, Arch.AARCH64.audit, nr, 0))
                .isEqualTo(SeccompFilter.ALLOW));
        assertThat(verdict(Arch.X86_64, Arch.X86_64.audit, 56, SIGCHLD)).isEqualTo(SeccompFilter.ALLOW);
        assertThat(verdict(Arch.AARCH64, Arch.AARCH64.audit, 220, 0x3d0f00)).as("pthread_create's flags").isEqualTo(SeccompFilter.ALLOW);
    }

    @Test
    void cloneIntoANewNamespaceIsDeniedAndClone3FallsBackToClone() {
        for (Arch arch : Arch.values()) {
            assertThat(verdict(arch, arch.audit, arch.number("clone"), CLONE_NEWUSER | SIGCHLD)).isEqualTo(SeccompFilter.ERRNO | SeccompFilter.EPERM);
            assertThat(verdict(arch, arch.audit, arch.number("clone"), 0x80 | SIGCHLD)).as("CLONE_NEWTIME")
                    .isEqualTo(SeccompFilter.ERRNO | SeccompFilter.EPERM);
            assertThat(verdict(arch, arch.audit, arch.number("clone3"), 0)).isEqualTo(SeccompFilter.ERRNO | SeccompFilter.ENOSYS);
        }
    }

    @Test
    void aCallOfAnotherArchitectureOrX32KillsTheProcess() {
        // int 0x80 on x86_64: i386 numbers, where 26 is ptrace and 0 would be allowed under the x86_64 table
        assertThat(verdict(Arch.X86_64, AUDIT_ARCH_I386, 26, 0)).isEqualTo(SeccompFilter.KILL_PROCESS);
        assertThat(verdict(Arch.X86_64, AUDIT_ARCH_I386, 0, 0)).isEqualTo(SeccompFilter.KILL_PROCESS);
        assertThat(verdict(Arch.X86_64, Arch.AARCH64.audit, 63, 0)).isEqualTo(SeccompFilter.KILL_PROCESS);
        assertThat(verdict(Arch.AARCH64, Arch.X86_64.audit, 0, 0)).isEqualTo(SeccompFilter.KILL_PROCESS);
        assertThat(verdict(Arch.X86_64, Arch.X86_64.audit, SeccompFilter.X32_BIT | 101, 0)).as("x32 ptrace").isEqualTo(SeccompFilter.KILL_PROCESS);
    }

    @Test
    void theBytesAreTheProgramAsStructSockFilter() {
        SeccompFilter filter = new SeccompFilter(Arch.X86_64);
        List<Insn> program = filter.program();
        ByteBuffer bytes = ByteBuffer.wrap(filter.bytes()).order(ByteOrder.nativeOrder());

        assertThat(bytes.remaining()).isEqualTo(program.size() * 8);
        for (Insn i : program) {
            assertThat(new Insn(bytes.getShort(), bytes.get() & 0xFF, bytes.get() & 0xFF, bytes.getInt())).isEqualTo(i);
        }
    }

    /** What the program answers for this system call (struct seccomp_data: nr, arch, ip, args; args[0]'s low half). */
    private static int verdict(Arch filterArch, int auditArch, int nr, int arg0) {
        List<Insn> program = new SeccompFilter(filterArch).program();
        int a = 0;
        int pc = 0;
        while (true) {
            Insn i = program.get(pc++);
            switch (i.code()) {
                case SeccompFilter.LD_W_ABS -> a = switch (i.k()) {
                    case SeccompFilter.NR -> nr;
                    case SeccompFilter.ARCH -> auditArch;
                    case SeccompFilter.ARG0_LOW -> arg0;
                    default -> throw new AssertionError("load of offset " + i.k());
                };
                case SeccompFilter.JEQ_K -> pc += a == i.k() ? i.jt() : i.jf();
                case SeccompFilter.JGE_K -> pc += Integer.compareUnsigned(a, i.k()) >= 0 ? i.jt() : i.jf();
                case SeccompFilter.JSET_K -> pc += (a & i.k()) != 0 ? i.jt() : i.jf();
                case SeccompFilter.RET_K -> {
                    return i.k();
                }
                default -> throw new AssertionError("opcode " + i.code());
            }
        }
    }
}
