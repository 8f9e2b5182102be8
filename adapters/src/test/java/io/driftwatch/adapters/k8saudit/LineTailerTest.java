package io.driftwatch.adapters.k8saudit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineTailerTest {
    @TempDir
    Path dir;

    private static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static List<String> drain(LineTailer tailer) throws Exception {
        List<String> lines = new ArrayList<>();
        LineTailer.Line line;
        while ((line = tailer.poll()) != null) {
            lines.add(line.number() + " " + line.text());
        }
        return lines;
    }

    @Test
    void aHalfWrittenLineWaitsForItsNewline() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "one\r\ntw");
        try (LineTailer tailer = new LineTailer(log, true)) {
            assertEquals(List.of("1 one"), drain(tailer));
            append(log, "o\nthree");
            assertEquals(List.of("2 two"), drain(tailer));
            LineTailer.Line last = tailer.remainder();
            assertEquals("three", last.text());
            assertEquals(log + ":3", last.where());
            assertNull(tailer.remainder());
        }
    }

    @Test
    void followingFromTheEndNumbersLinesFromTheFilesStart() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "old 1\nold 2\nhalf");
        try (LineTailer tailer = new LineTailer(log, false)) {
            assertEquals(List.of(), drain(tailer));
            append(log, " done\nnew 4\n");
            assertEquals(List.of("3 half done", "4 new 4"), drain(tailer), "the line being written when we started counts");
        }
    }

    @Test
    void rotationReadsTheOldFileToItsEndThenTheNewOneFromItsStart() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "a1\na2\n");
        try (LineTailer tailer = new LineTailer(log, true)) {
            assertEquals(List.of("1 a1", "2 a2"), drain(tailer));
            append(log, "a3\n");
            Files.move(log, dir.resolve("audit-2026-11-19T10-00-00.000.log"));
            assertEquals(List.of("3 a3"), drain(tailer), "the renamed file is still read; no new file yet");
            append(log, "b1\nb2\n");
            assertEquals(List.of("1 b1", "2 b2"), drain(tailer));
            assertEquals(1, tailer.rotations());
        }
    }

    @Test
    void truncationStartsAgainFromTheTop() throws Exception {
        Path log = dir.resolve("audit.log");
        append(log, "a long first line\nsecond line\n");
        try (LineTailer tailer = new LineTailer(log, true)) {
            assertEquals(2, drain(tailer).size());
            Files.writeString(log, "x\n"); // copytruncate, then a write
            assertEquals(List.of("1 x"), drain(tailer));
            assertEquals(1, tailer.truncations());
        }
    }

    @Test
    void aMissingFileIsWaitedFor() throws Exception {
        Path log = dir.resolve("later.log");
        try (LineTailer tailer = new LineTailer(log, false)) {
            assertFalse(tailer.isOpen());
            assertNull(tailer.poll());
            append(log, "first\n");
            assertEquals(List.of("1 first"), drain(tailer), "a file that appears is read from its start");
            assertTrue(tailer.isOpen());
        }
    }
}
