package io.driftwatch.cli;

import io.driftwatch.model.ResponseResult;
import java.time.Instant;

/**
 * A response result as one readable line, in the style of {@link AlertPrinter}. Its detail comes from a responder and
 * names containers, pods and paths that an attacker may have chosen, so every value is printed with control and
 * format characters escaped: nothing it holds can move the cursor, recolour or rewrite the terminal.
 */
final class ResultPrinter {
    private ResultPrinter() {
    }

    static String result(ResponseResult r) {
        return String.format("RESULT  %-17s %-15s node %s: %s (command %s, %s)", text(r.getAction()), text(r.getStatus()),
                text(r.getNode()), text(r.getDetail()), text(r.getCommandId()), Instant.ofEpochMilli(r.getFinishedAt()));
    }

    private static String text(Object value) {
        return value == null ? "?" : escape(value.toString());
    }

    /**
     * Control characters (C0, DEL, C1), line and paragraph separators, format characters (bidi overrides, zero-width)
     * and lone surrogates become a backslash, "u" and their hex code (braced above the BMP); a backslash is doubled.
     */
    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    int type = Character.getType(cp);
                    if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE) {
                        out.append(cp <= 0xFFFF ? String.format("\\u%04x", cp) : String.format("\\u{%x}", cp));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }
}
