package dev.nightshift.dispatch.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The seccomp filter every agent runs under (bwrap {@code --seccomp}): a classic-BPF program that denies
 * the kernel's riskiest surfaces to a sandboxed agent with EPERM and allows everything else. No maintained
 * Java library writes one (libseccomp has no Java binding), and the program is a list of comparisons.
 * <p>
 * Denied: io_uring (it bypasses seccomp for the operations it performs), the kernel keyring, perf events,
 * userfaultfd, bpf, kexec, the whole mount family, ptrace, unshare and setns, and clone with a namespace
 * flag. clone3 answers ENOSYS, as in Docker's default profile: its flags sit in memory a filter cannot read,
 * and ENOSYS makes the C library fall back to clone, whose flags are checked. A system call of another
 * architecture (i386 on x86_64, which has other numbers) kills the process, as does an x32 call.
 */
public record SeccompFilter(Arch arch) {

    /** The architectures known here, by their audit number and their own system-call numbers. */
    public enum Arch {
        X86_64(0xC000003E, Map.ofEntries(Map.entry("keyctl", 250), Map.entry("add_key", 248), Map.entry("request_key", 249),
                Map.entry("perf_event_open", 298), Map.entry("userfaultfd", 323), Map.entry("bpf", 321), Map.entry("kexec_load", 246),
                Map.entry("kexec_file_load", 320), Map.entry("mount", 165), Map.entry("umount2", 166), Map.entry("pivot_root", 155),
                Map.entry("ptrace", 101), Map.entry("unshare", 272), Map.entry("setns", 308), Map.entry("clone", 56))),
        AARCH64(0xC00000B7, Map.ofEntries(Map.entry("keyctl", 219), Map.entry("add_key", 217), Map.entry("request_key", 218),
                Map.entry("perf_event_open", 241), Map.entry("userfaultfd", 282), Map.entry("bpf", 280), Map.entry("kexec_load", 104),
                Map.entry("kexec_file_load", 294), Map.entry("mount", 40), Map.entry("umount2", 39), Map.entry("pivot_root", 41),
                Map.entry("ptrace", 117), Map.entry("unshare", 97), Map.entry("setns", 268), Map.entry("clone", 220)));

        /** Numbered alike on every architecture (added after the tables were unified, Linux 5.1 on). */
        private static final Map<String, Integer> COMMON = Map.ofEntries(Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426),
                Map.entry("io_uring_register", 427), Map.entry("open_tree", 428), Map.entry("move_mount", 429), Map.entry("fsopen", 430),
                Map.entry("fsconfig", 431), Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("clone3", 435),
                Map.entry("mount_setattr", 442));

        final int audit;
        private final Map<String, Integer> own;

        Arch(int audit, Map<String, Integer> own) {
            this.audit = audit;
            this.own = own;
        }

        /** The system call's number here. */
        public int number(String syscall) {
            Integer n = own.containsKey(syscall) ? own.get(syscall) : COMMON.get(syscall);
            if (n == null) {
                throw new IllegalArgumentException("no number for " + syscall + " on " + this);
            }
            return n;
        }

        /** This JVM's architecture, when it is one of these. */
        public static Optional<Arch> ofThisMachine() {
            return switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> Optional.of(X86_64);
                case "aarch64", "arm64" -> Optional.of(AARCH64);
                default -> Optional.empty();
            };
        }
    }

    /** Denied outright with EPERM. */
    public static final List<String> DENIED = List.of("io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key",
            "request_key", "perf_event_open", "userfaultfd", "bpf", "kexec_load", "kexec_file_load", "mount", "umount2", "pivot_root",
            "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr", "ptrace", "unshare", "setns");

    /** CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME: clone with any of them is denied. */
    public static final int NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80;

    static final int ALLOW = 0x7FFF0000;
    static final int KILL_PROCESS = 0x80000000;
    static final int ERRNO = 0x00050000;
    static final int EPERM = 1;
    static final int ENOSYS = 38;
    /** x32 system calls come with this bit set in their number under the x86_64 audit architecture. */
    static final int X32_BIT = 0x40000000;

    // classic BPF opcodes, and struct seccomp_data's offsets (nr, arch, then args[0]'s low half on little-endian machines)
    static final short LD_W_ABS = 0x20;
    static final short JEQ_K = 0x15;
    static final short JGE_K = 0x35;
    static final short JSET_K = 0x45;
    static final short RET_K = 0x06;
    static final int NR = 0;
    static final int ARCH = 4;
    static final int ARG0_LOW = 16;

    /** One instruction of struct sock_filter; jumps count the instructions skipped. */
    record Insn(short code, int jt, int jf, int k) {
    }

    /** The program as bwrap reads it from its --seccomp descriptor: struct sock_filter[] in this machine's byte order. */
    public byte[] bytes() {
        List<Insn> program = program();
        ByteBuffer out = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.nativeOrder());
        for (Insn i : program) {
            out.putShort(i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return out.array();
    }

    List<Insn> program() {
        Program p = new Program();
        p.op(LD_W_ABS, ARCH);
        p.jump(JEQ_K, arch.audit, null, "kill");
        p.op(LD_W_ABS, NR);
        if (arch == Arch.X86_64) {
            p.jump(JGE_K, X32_BIT, "kill", null);
        }
        for (String name : DENIED) {
            p.jump(JEQ_K, arch.number(name), "eperm", null);
        }
        p.jump(JEQ_K, arch.number("clone3"), "enosys", null);
        p.jump(JEQ_K, arch.number("clone"), "clone", null);
        p.op(RET_K, ALLOW);
        p.label("clone");
        p.op(LD_W_ABS, ARG0_LOW);
        p.jump(JSET_K, NAMESPACE_FLAGS, "eperm", null);
        p.op(RET_K, ALLOW);
        p.label("eperm");
        p.op(RET_K, ERRNO | EPERM);
        p.label("enosys");
        p.op(RET_K, ERRNO | ENOSYS);
        p.label("kill");
        p.op(RET_K, KILL_PROCESS);
        return p.resolved();
    }

    /** Instructions whose jumps name labels (null: the next instruction), resolved into offsets at the end. */
    private static final class Program {
        private record Pending(short code, int k, String jt, String jf) {
        }

        private final List<Pending> pending = new ArrayList<>();
        private final Map<String, Integer> labels = new LinkedHashMap<>();

        void op(short code, int k) {
            pending.add(new Pending(code, k, null, null));
        }

        void jump(short code, int k, String ifTrue, String ifFalse) {
            pending.add(new Pending(code, k, ifTrue, ifFalse));
        }

        void label(String name) {
            labels.put(name, pending.size());
        }

        List<Insn> resolved() {
            List<Insn> out = new ArrayList<>();
            for (int i = 0; i < pending.size(); i++) {
                Pending x = pending.get(i);
                out.add(new Insn(x.code(), offset(i, x.jt()), offset(i, x.jf()), x.k()));
            }
            return out;
        }

        private int offset(int at, String label) {
            if (label == null) {
                return 0;
            }
            int skip = labels.get(label) - at - 1;
            if (skip < 0 || skip > 255) {
                throw new IllegalStateException("jump to " + label + " out of a classic BPF jump's reach: " + skip);
            }
            return skip;
        }
    }
}
