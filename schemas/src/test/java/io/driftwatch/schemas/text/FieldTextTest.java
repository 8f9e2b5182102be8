package io.driftwatch.schemas.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FieldTextTest {
    @Test
    void validUtf8StaysAsItIs() {
        String name = "/srv/données/日本/\uD83D\uDE00.txt";
        assertEquals(name, FieldText.fromKernelBytes(name.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void invalidBytesControlsAndBackslashesAreEscaped() {
        byte[] raw = {'/', 't', 'm', 'p', '/', (byte) 0xff, 'a', '\n', 'b', '\\', (byte) 0xc3};
        assertEquals("/tmp/\\xffa\\x0ab\\\\\\xc3", FieldText.fromKernelBytes(raw));
    }

    @Test
    void twoDifferentNamesNeverBecomeTheSameText() {
        // Before: both became "/usr/bin/dpkg\uFFFD" with new String(bytes, UTF_8).
        byte[] a = {'/', 'x', (byte) 0xff};
        byte[] b = {'/', 'x', (byte) 0xfe};
        assertNotEquals(FieldText.fromKernelBytes(a), FieldText.fromKernelBytes(b));
        // A name that looks like an escape is not confused with the escaped byte.
        assertNotEquals(FieldText.fromKernelBytes("/x\\xff".getBytes(StandardCharsets.UTF_8)), FieldText.fromKernelBytes(a));
    }

    @Test
    void roundTripsRandomBytes() {
        Random random = new Random(42);
        assertArrayEquals(new byte[] {(byte) 0xc2, (byte) 0x9b}, FieldText.decodeKernelBytes(
                FieldText.fromKernelBytes(new byte[] {(byte) 0xc2, (byte) 0x9b})));
        for (int i = 0; i < 5_000; i++) {
            byte[] raw = new byte[random.nextInt(40)];
            random.nextBytes(raw);
            String text = FieldText.fromKernelBytes(raw);
            assertArrayEquals(raw, FieldText.decodeKernelBytes(text), text);
            text.chars().forEach(c -> assertNotEquals(true, c < 0x20 || (c >= 0x7f && c <= 0x9f), text));
        }
    }

    @Test
    void escapeControlsLeavesBackslashesAndCleanTextAlone() {
        String clean = "C:\\not\\a\\path";
        assertSame(clean, FieldText.escapeControls(clean));
        assertEquals("/usr/bin/dpkg\\x00.txt", FieldText.escapeControls("/usr/bin/dpkg\u0000.txt"));
        assertEquals("a\\x1b[2Jb", FieldText.escapeControls("a\u001b[2Jb"));
        assertEquals("a\\xc2\\x9b2Jb", FieldText.escapeControls("a\u009b2Jb"), "C1 CSI as its UTF-8 bytes");
    }

    @Test
    void capNeverSplitsASurrogatePairOrAnEscape() {
        assertEquals("ab", FieldText.cap("ab\uD83D\uDE00", 3));
        assertEquals("ab", FieldText.cap("ab\\xff", 5));
        assertEquals("ab\\xff", FieldText.cap("ab\\xffcd", 6));
        assertEquals("ab", FieldText.cap("ab\\\\cd", 3));
        assertEquals("ab\\\\", FieldText.cap("ab\\\\cd", 4));
        String fits = "short";
        assertSame(fits, FieldText.cap(fits, 10));
    }
}
