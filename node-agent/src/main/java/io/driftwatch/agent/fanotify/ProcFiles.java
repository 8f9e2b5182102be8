package io.driftwatch.agent.fanotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.driftwatch.schemas.text.FieldText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads of /proc (and of names the kernel gives) that are bounded and byte-exact. Every file is read up to a cap and
 * never whole first: a process inside a container chooses the size of its command line (megabytes of arguments
 * are allowed) and the bytes in it. Kernel bytes become record text with {@link FieldText#fromKernelBytes}: valid
 * UTF-8 as it is, invalid bytes and control characters as {@code \xNN}, a backslash as {@code \\} (src/sensors.md).
 */
public final class ProcFiles {
    /** The default cap of a command line, in bytes read from /proc/PID/cmdline (and characters of its text). */
    public static final int DEFAULT_MAX_CMDLINE_BYTES = 4096;
    /** Enough for the lines read from /proc/PID/status (Name to Gid come first; Groups may be long). */
    static final int MAX_STATUS_BYTES = 8192;
    /** comm is at most 15 bytes and a newline; loginuid at most 10 digits. */
    static final int MAX_SMALL_BYTES = 64;
    /** /proc/PID/stat is one line of numbers and a comm of at most 15 bytes. */
    public static final int MAX_STAT_BYTES = 4096;
    /** PATH_MAX: the kernel shows no longer link target. */
    private static final int MAX_LINK_BYTES = 4096;
    private static final byte[] DELETED = " (deleted)".getBytes(StandardCharsets.US_ASCII);

    private ProcFiles() {
    }

    /** At most {@code max} bytes of a file, and whether there was more. */
    public record Bounded(byte[] bytes, boolean truncated) {
    }

    /** Text made of kernel bytes, and whether it was cut to its cap. */
    public record Text(String text, boolean truncated) {
    }

    /** Reads at most {@code max} bytes (and one more, to tell whether the file goes on); never the whole file first. */
    public static Bounded read(Path file, int max) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(max);
            boolean more = bytes.length == max && in.read() >= 0;
            return new Bounded(bytes, more);
        }
    }

    /**
     * A command line (/proc/PID/cmdline: arguments each ended by a NUL) as text: the arguments byte-exact, joined with
     * spaces. At most {@code maxBytes} bytes are read; past that the text is cut (never inside a UTF-8 character or
     * an escape) and marked truncated. The text is also at most {@code maxBytes} characters long, escapes included.
     * Null text for an empty command line (a kernel thread, a zombie).
     */
    public static Text cmdline(Path file, int maxBytes) throws IOException {
        Bounded raw = read(file, maxBytes);
        return cmdline(raw.bytes(), raw.bytes().length, raw.truncated(), maxBytes);
    }

    static Text cmdline(byte[] b, int length, boolean cut, int maxChars) {
        int end = cut ? utf8Boundary(b, length) : length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            return new Text(null, cut);
        }
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || b[i] == 0) {
                args.add(FieldText.fromKernelBytes(b, start, i - start));
                start = i + 1;
            }
        }
        String text = String.join(" ", args);
        String capped = FieldText.cap(text, maxChars);
        return new Text(capped, cut || capped.length() < text.length());
    }

    /**
     * Where a cut at {@code end} leaves only whole UTF-8 characters: before a lead byte whose character the cut
     * split. (Bytes that are not UTF-8 at all are left to {@link FieldText}.)
     */
    static int utf8Boundary(byte[] b, int end) {
        for (int i = end - 1; i >= 0 && i >= end - 3; i--) {
            int c = b[i] & 0xff;
            if ((c & 0xc0) == 0x80) {
                continue; // a continuation byte: look further back for its lead
            }
            int need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            return i + need > end ? i : end;
        }
        return end;
    }

    /** /proc/PID/comm: the process name (its trailing newline removed), byte-exact. */
    public static String comm(Path file) throws IOException {
        byte[] b = read(file, MAX_SMALL_BYTES).bytes();
        int end = b.length > 0 && b[b.length - 1] == '\n' ? b.length - 1 : b.length;
        return FieldText.fromKernelBytes(b, 0, end);
    }

    /** The start of a small text file (status, stat, loginuid): only its complete lines when it was longer than {@code max}. */
    public static String text(Path file, int max) throws IOException {
        Bounded raw = read(file, max);
        byte[] b = raw.bytes();
        int end = b.length;
        if (raw.truncated()) {
            int newline = end - 1;
            while (newline >= 0 && b[newline] != '\n') {
                newline--;
            }
            end = newline + 1;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /**
     * A symbolic link's target byte-exact (read with readlink(2), not through Java's path decoding, which turns bytes
     * that are not UTF-8 into U+FFFD), without the " (deleted)" /proc adds for a removed file; null when it cannot
     * be read.
     */
    public static String link(Path link) {
        try (Memory buf = new Memory(MAX_LINK_BYTES)) {
            long n = LibC.readlink(link.toString(), buf, MAX_LINK_BYTES);
            if (n <= 0) {
                return null;
            }
            byte[] b = buf.getByteArray(0, (int) n);
            int end = b.length;
            if (end >= DELETED.length && Arrays.equals(b, end - DELETED.length, end, DELETED, 0, DELETED.length)) {
                end -= DELETED.length;
            }
            return FieldText.fromKernelBytes(b, 0, end);
        } catch (LastErrorException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    /** A Java path (from a walk of a directory, a runtime's state) as the sensor writes host paths: byte-exact text. */
    public static String text(Path path) {
        return text(path.toString());
    }

    /** As {@link #text(Path)}. */
    public static String text(String path) {
        return path.indexOf('\\') < 0 && !hasControl(path) ? path
                : FieldText.fromKernelBytes(path.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The file a byte-exact host path text names, to stat or read it. Exact for names that are UTF-8 (control
     * characters and backslashes included); a name with bytes that are not UTF-8 cannot be named by a Java path, so
     * such a file is not found (its mode is then unknown).
     */
    public static Path file(String text) {
        if (text.indexOf('\\') < 0) {
            return Path.of(text);
        }
        String name = new String(FieldText.decodeKernelBytes(text), StandardCharsets.UTF_8);
        return Path.of(name.indexOf('\0') < 0 ? name : text); // no kernel name holds a NUL
    }

    /**
     * The bytes of the file a byte-exact host path text names, NUL-terminated, for the system calls; null when the
     * text holds a NUL (no kernel name does).
     */
    static byte[] kernelPath(String text) {
        byte[] name = text.indexOf('\\') < 0 ? text.getBytes(StandardCharsets.UTF_8) : FieldText.decodeKernelBytes(text);
        byte[] z = Arrays.copyOf(name, name.length + 1);
        for (int i = 0; i < name.length; i++) {
            if (name[i] == 0) {
                return null;
            }
        }
        return z;
    }

    /** At most this many descriptors of a process are looked at to tell how it opened a file. */
    static final int MAX_FDS_SCANNED = 1024;

    /**
     * Whether process {@code pid} holds {@code path} (as the container sees it, or as the host does) open for writing,
     * from its {@code fdinfo} (the {@code flags} line's access mode); false when it holds it read-only, does not hold
     * it, or is gone.
     */
    static boolean openForWriting(Path proc, int pid, String path, String hostPath) {
        Path fds = proc.resolve(pid + "/fd");
        try (java.nio.file.DirectoryStream<Path> dir = java.nio.file.Files.newDirectoryStream(fds)) {
            int seen = 0;
            for (Path fd : dir) {
                if (++seen > MAX_FDS_SCANNED) {
                    return false;
                }
                String target = link(fd);
                if (target != null && (target.equals(path) || target.equals(hostPath))) {
                    for (String line : java.nio.file.Files.readAllLines(proc.resolve(pid + "/fdinfo/" + fd.getFileName()))) {
                        if (line.startsWith("flags:")) {
                            int flags = Integer.parseInt(line.substring(6).strip(), 8);
                            if ((flags & 3) != 0) {
                                return true;
                            }
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return false; // gone, or not ours to read
        }
        return false;
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }
}
