package io.driftwatch.adapters.audit;

import java.util.HashMap;
import java.util.Map;

/**
 * Syscall numbers of the file operations the adapter maps, for logs in the RAW format (the ENRICHED format
 * names the syscall itself, {@code SYSCALL=openat}, and that name wins). x86_64 ({@code arch=c000003e}) and
 * aarch64 ({@code arch=c00000b7}); other architectures need the ENRICHED format.
 */
final class Syscalls {
    static final long ARCH_X86_64 = 0xc000003eL;
    static final long ARCH_AARCH64 = 0xc00000b7L;

    private static final Map<Long, String> X86_64 = new HashMap<>();
    private static final Map<Long, String> AARCH64 = new HashMap<>();

    static {
        x86(2, "open");
        x86(85, "creat");
        x86(257, "openat");
        x86(437, "openat2");
        x86(87, "unlink");
        x86(263, "unlinkat");
        x86(84, "rmdir");
        x86(82, "rename");
        x86(264, "renameat");
        x86(316, "renameat2");
        x86(83, "mkdir");
        x86(258, "mkdirat");
        x86(90, "chmod");
        x86(91, "fchmod");
        x86(268, "fchmodat");
        x86(452, "fchmodat2");
        x86(92, "chown");
        x86(93, "fchown");
        x86(94, "lchown");
        x86(260, "fchownat");
        x86(76, "truncate");
        x86(77, "ftruncate");
        x86(86, "link");
        x86(265, "linkat");
        x86(88, "symlink");
        x86(266, "symlinkat");
        x86(59, "execve");
        x86(322, "execveat");
        x86(133, "mknod");
        x86(259, "mknodat");

        arm(56, "openat");
        arm(437, "openat2");
        arm(35, "unlinkat");
        arm(38, "renameat");
        arm(276, "renameat2");
        arm(34, "mkdirat");
        arm(52, "fchmod");
        arm(53, "fchmodat");
        arm(452, "fchmodat2");
        arm(54, "fchownat");
        arm(55, "fchown");
        arm(45, "truncate");
        arm(46, "ftruncate");
        arm(37, "linkat");
        arm(36, "symlinkat");
        arm(221, "execve");
        arm(281, "execveat");
        arm(33, "mknodat");
    }

    private Syscalls() {
    }

    private static void x86(long number, String name) {
        X86_64.put(number, name);
    }

    private static void arm(long number, String name) {
        AARCH64.put(number, name);
    }

    /** The name of a file syscall the adapter maps, or null (another syscall, or an architecture without a table). */
    static String name(long arch, long number) {
        if (arch == ARCH_X86_64) {
            return X86_64.get(number);
        }
        if (arch == ARCH_AARCH64) {
            return AARCH64.get(number);
        }
        return null;
    }

    static boolean knownArch(long arch) {
        return arch == ARCH_X86_64 || arch == ARCH_AARCH64;
    }
}
