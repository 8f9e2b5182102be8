package io.driftwatch.adapters.k8saudit;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

/**
 * Complete lines of a file that may still grow, like {@code tail -F}: a line is handed out once its
 * newline is written (a half-written last line waits); when the file is truncated it is read again
 * from its start; when the name comes to mean another file (rotation: the old file renamed, a new
 * one created), the old file is read to its end first, then the new one from its start. A missing
 * file is waited for. Line numbers count from the start of each file, also when reading began at
 * its end. Not thread-safe.
 */
public final class LineTailer implements Closeable {
    /** A longer line is skipped (reported as such): audit events at RequestResponse level can be large, not this. */
    public static final int MAX_LINE_BYTES = 16 * 1024 * 1024;

    /** One line; {@code text} is null for a line longer than {@link #MAX_LINE_BYTES}. */
    public record Line(Path file, long number, String text) {
        public String where() {
            return file + ":" + number;
        }
    }

    private final Path path;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final Deque<Line> ready = new ArrayDeque<>();
    private FileChannel channel;
    private Object fileKey;
    private long position;
    private long lineNumber;
    private boolean overlong;
    private long rotations;
    private long truncations;

    /**
     * @param fromStart read the file from its start; else from its current end (only lines written from now on)
     */
    public LineTailer(Path path, boolean fromStart) throws IOException {
        this.path = path;
        if (Files.exists(path)) {
            open(fromStart);
        }
    }

    /** Whether the file has been opened (a followed file may not exist yet). */
    public boolean isOpen() {
        return channel != null;
    }

    public long rotations() {
        return rotations;
    }

    public long truncations() {
        return truncations;
    }

    /**
     * The next complete line, or null when there is none now. Call again later to follow the file;
     * at the end of a file that is not followed, {@link #remainder()} gives a last line without newline.
     */
    public Line poll() throws IOException {
        while (true) {
            if (!ready.isEmpty()) {
                return ready.poll();
            }
            if (channel == null) {
                if (!Files.exists(path)) {
                    return null;
                }
                open(true);
            }
            buffer.clear();
            int read = channel.read(buffer, position);
            if (read > 0) {
                position += read;
                buffer.flip();
                split();
                continue;
            }
            // At the end: has the file been truncated, or replaced by another one?
            long size = channel.size();
            if (size < position) {
                truncations++;
                position = 0;
                lineNumber = 0;
                partial.reset();
                overlong = false;
                continue;
            }
            Object current = keyOf(path);
            if (current != null && !Objects.equals(current, fileKey)) {
                rotations++;
                Line last = remainder();
                channel.close();
                open(true);
                if (last != null) {
                    return last;
                }
                continue;
            }
            return null;
        }
    }

    /** What follows the last newline (a last line without one), once; null when nothing does. */
    public Line remainder() {
        if (partial.size() == 0 && !overlong) {
            return null;
        }
        Line line = new Line(path, ++lineNumber, overlong ? null : text());
        partial.reset();
        overlong = false;
        return line;
    }

    @Override
    public void close() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    private void open(boolean fromStart) throws IOException {
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException gone) {
            channel = null;
            return;
        }
        fileKey = keyOf(path);
        partial.reset();
        overlong = false;
        lineNumber = 0;
        position = 0;
        if (!fromStart) {
            // Start after the last complete line, counting the lines passed over so later lines keep their numbers.
            long end = channel.size();
            long next = 0;
            long at = 0;
            while (at < end) {
                buffer.clear();
                int read = channel.read(buffer, at);
                if (read <= 0) {
                    break;
                }
                byte[] bytes = buffer.array();
                for (int i = 0; i < read; i++) {
                    if (bytes[i] == '\n') {
                        lineNumber++;
                        next = at + i + 1;
                    }
                }
                at += read;
            }
            position = next;
        }
    }

    private void split() {
        byte[] bytes = buffer.array();
        int from = buffer.position();
        int end = buffer.limit();
        while (from < end) {
            int newline = from;
            while (newline < end && bytes[newline] != '\n') {
                newline++;
            }
            append(bytes, from, newline - from);
            if (newline == end) {
                break;
            }
            lineNumber++;
            ready.add(new Line(path, lineNumber, overlong ? null : text()));
            partial.reset();
            overlong = false;
            from = newline + 1;
        }
        buffer.position(end);
    }

    private void append(byte[] bytes, int offset, int length) {
        if (overlong || length == 0) {
            return;
        }
        if (partial.size() + length > MAX_LINE_BYTES) {
            overlong = true;
            partial.reset();
            return;
        }
        partial.write(bytes, offset, length);
    }

    private String text() {
        byte[] bytes = partial.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
            length--;
        }
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private static Object keyOf(Path path) {
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            return key != null ? key : path.toRealPath().toString();
        } catch (IOException e) {
            return null; // between the rename and the new file: keep reading the old one
        }
    }
}
