package io.driftwatch.schemas.text;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * How raw bytes from the kernel become record text, and how text from any producer is made safe
 * to compare and show (src/operations.md, "Text from events").
 *
 * <p>A Linux file name is bytes: anything but NUL and '/'. Records carry strings, so sources write
 * a name byte-exact: valid UTF-8 stays as it is, every byte that is not part of valid UTF-8 and
 * every control character (U+0000 to U+001F, U+007F to U+009F) is written {@code \xNN} (a C1
 * control as its two UTF-8 bytes), and a backslash is
 * written {@code \\}. Two different names never become the same text, so a rule compares the name
 * the kernel saw; a newline or terminal escape in a name can not forge a log line or repaint a
 * terminal. {@link #decodeKernelBytes} reverses it.
 *
 * <p>The streams app cannot know whether another producer escaped its backslashes, so on the way
 * in it escapes only what no correct source sends raw: control characters
 * ({@link #escapeControls}).
 */
public final class FieldText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private FieldText() {
    }

    /** Raw bytes (a file name, a command line) as record text, byte-exact (see the class comment). */
    public static String fromKernelBytes(byte[] bytes, int offset, int length) {
        // The common case (the sensor calls this for every name): printable ASCII, nothing to escape.
        boolean plain = true;
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b < 0x20 || b == 0x7f || b == '\\') { // negative: not ASCII
                plain = false;
                break;
            }
        }
        if (plain) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer chunk = CharBuffer.allocate(Math.max(16, length));
        StringBuilder out = new StringBuilder(length + 8);
        while (true) {
            CoderResult result = decoder.decode(in, chunk, true);
            chunk.flip();
            appendEscaped(out, chunk, true);
            chunk.clear();
            if (result.isUnderflow()) {
                break;
            }
            if (result.isError()) {
                for (int i = 0; i < result.length(); i++) {
                    hex(out, in.get() & 0xff);
                }
            }
        }
        return out.toString();
    }

    public static String fromKernelBytes(byte[] bytes) {
        return fromKernelBytes(bytes, 0, bytes.length);
    }

    /** The bytes a {@link #fromKernelBytes} text stands for. */
    public static byte[] decodeKernelBytes(String text) {
        var out = new java.io.ByteArrayOutputStream(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                out.write('\\');
                i += 2;
            } else if (c == '\\' && i + 3 < text.length() && text.charAt(i + 1) == 'x'
                    && Character.digit(text.charAt(i + 2), 16) >= 0 && Character.digit(text.charAt(i + 3), 16) >= 0) {
                out.write(Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 4;
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                out.writeBytes(text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
            }
        }
        return out.toByteArray();
    }

    /** Control characters written {@code \xNN}; backslashes untouched. The same instance when there is none. */
    public static String escapeControls(String text) {
        if (text == null) {
            return null;
        }
        int first = -1;
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                first = i;
                break;
            }
        }
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 8).append(text, 0, first);
        appendEscaped(out, CharBuffer.wrap(text, first, text.length()), false);
        return out.toString();
    }

    /**
     * At most {@code maxChars} characters, never splitting a surrogate pair or a {@code \xNN} /
     * {@code \\} escape; the same instance when it fits.
     */
    public static String cap(String text, int maxChars) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        int end = Math.max(0, maxChars);
        if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        // Do not leave half an escape at the end.
        int backslash = text.lastIndexOf('\\', end - 1);
        if (backslash >= 0 && backslash >= end - 3) {
            int run = 0;
            for (int i = backslash; i >= 0 && text.charAt(i) == '\\'; i--) {
                run++;
            }
            boolean escapeStart = run % 2 == 1; // an odd run: the last backslash starts an escape
            if (escapeStart) {
                char next = backslash + 1 < text.length() ? text.charAt(backslash + 1) : 0;
                int escapeEnd = next == 'x' ? backslash + 4 : backslash + 2;
                if (escapeEnd > end) {
                    end = backslash;
                }
            }
        }
        return text.substring(0, end);
    }

    /** C0 controls, DEL and the C1 controls (U+0080 to U+009F: CSI, U+009B, is a terminal escape on its own). */
    private static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
    }

    private static void appendEscaped(StringBuilder out, CharSequence chars, boolean escapeBackslash) {
        for (int i = 0; i < chars.length(); i++) {
            char c = chars.charAt(i);
            if (isControl(c)) {
                if (c >= 0x80) { // as its UTF-8 bytes, so that decodeKernelBytes gives them back
                    hex(out, 0xc0 | (c >> 6));
                    hex(out, 0x80 | (c & 0x3f));
                } else {
                    hex(out, c);
                }
            } else if (c == '\\' && escapeBackslash) {
                out.append("\\\\");
            } else {
                out.append(c);
            }
        }
    }

    private static void hex(StringBuilder out, int b) {
        out.append("\\x").append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
}
