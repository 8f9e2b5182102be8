package io.driftwatch.adapters.audit;

import io.driftwatch.schemas.text.FieldText;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of auditd's log ({@code /var/log/audit/audit.log}):
 * {@code [node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): key=value ...}, in the RAW format or the
 * ENRICHED one (the default of auditd 3), where a GS character (0x1d) separates the raw fields from their
 * interpretations ({@code ARCH=x86_64 SYSCALL=openat AUID="unset" ...}).
 *
 * <p>Values are kept as written: {@code "quoted"}, {@code 'quoted'} (a USER record's {@code msg='...'}) or bare.
 * Fields that the kernel logs as untrusted strings (names, cwd, proctitle, comm, exe, key, execve arguments) are
 * either double-quoted or hex-encoded; {@link #string(String)} decodes both.
 *
 * @param node the {@code node=} prefix (auditd's {@code name_format}), or null
 * @param stamp {@code SECONDS.MILLIS:SERIAL} as written: with the node it identifies the event
 * @param line the line number in its file (1-based), for reports
 */
public record AuditRecord(String node, String type, long timeMillis, String stamp, Map<String, String> fields,
                          Map<String, String> enriched, long line, String text) {
    private static final char GS = '\u001d';
    private static final int MAX_FIELDS = 4096;

    /** Parses one line; blank lines are the caller's business. */
    public static AuditRecord parse(long lineNumber, String text) throws MalformedAuditException {
        if (text == null) {
            throw new MalformedAuditException("line too long");
        }
        int gs = text.indexOf(GS);
        String raw = gs < 0 ? text : text.substring(0, gs);
        int at = 0;
        String node = null;
        if (raw.startsWith("node=")) {
            int space = raw.indexOf(' ');
            if (space < 0) {
                throw new MalformedAuditException("not an audit record: nothing after node=");
            }
            node = raw.substring(5, space);
            at = space + 1;
        }
        if (!raw.startsWith("type=", at)) {
            throw new MalformedAuditException("not an audit record: no 'type=' at the start of the line");
        }
        int space = raw.indexOf(' ', at);
        if (space < 0) {
            throw new MalformedAuditException("not an audit record: no 'msg=audit(...)' after the type");
        }
        String type = raw.substring(at + 5, space);
        if (type.isEmpty()) {
            throw new MalformedAuditException("not an audit record: empty type");
        }
        at = space + 1;
        if (!raw.startsWith("msg=audit(", at)) {
            throw new MalformedAuditException("not an audit record: no 'msg=audit(' after the type");
        }
        at += "msg=audit(".length();
        int close = raw.indexOf("):", at);
        if (close < 0) {
            throw new MalformedAuditException("not an audit record: 'msg=audit(' is not closed by '):'");
        }
        String stamp = raw.substring(at, close);
        long time = time(stamp);
        Map<String, String> fields = fields(raw.substring(close + 2), false);
        Map<String, String> enriched = gs < 0 ? Map.of() : fields(text.substring(gs + 1), true);
        return new AuditRecord(node, type, time, stamp, fields, enriched, lineNumber, text);
    }

    /** {@code SECONDS.MILLIS:SERIAL} to epoch milliseconds; checks the serial too. */
    private static long time(String stamp) throws MalformedAuditException {
        int dot = stamp.indexOf('.');
        int colon = stamp.indexOf(':');
        if (dot <= 0 || colon < dot + 2 || colon == stamp.length() - 1) {
            throw new MalformedAuditException("bad event stamp 'audit(" + clip(stamp) + ")': want SECONDS.MILLIS:SERIAL");
        }
        String seconds = stamp.substring(0, dot);
        String millis = stamp.substring(dot + 1, colon);
        String serial = stamp.substring(colon + 1);
        if (!digits(seconds, 12) || !digits(millis, 3) || millis.length() != 3 || !digits(serial, 18)) {
            throw new MalformedAuditException("bad event stamp 'audit(" + clip(stamp) + ")': want SECONDS.MILLIS:SERIAL");
        }
        return Long.parseLong(seconds) * 1000 + Integer.parseInt(millis);
    }

    private static boolean digits(String s, int max) {
        if (s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** key=value pairs; the first of a repeated key wins. A token without '=' is kept under its own text as key. */
    private static Map<String, String> fields(String s, boolean lenient) throws MalformedAuditException {
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            int keyStart = i;
            while (i < n && s.charAt(i) != '=' && s.charAt(i) != ' ') {
                i++;
            }
            String key = s.substring(keyStart, i);
            if (i >= n || s.charAt(i) == ' ') {
                if (!lenient) {
                    fields.putIfAbsent(key, null); // a bare word: only fatal if a field we need is hit
                }
                continue;
            }
            i++; // '='
            String value;
            if (i < n && (s.charAt(i) == '"' || s.charAt(i) == '\'')) {
                char quote = s.charAt(i);
                int end = s.indexOf(quote, i + 1);
                if (end < 0) {
                    if (lenient) {
                        break;
                    }
                    throw new MalformedAuditException("unterminated quoted value of '" + clip(key) + "'");
                }
                value = s.substring(i, end + 1);
                i = end + 1;
            } else {
                int start = i;
                while (i < n && s.charAt(i) != ' ') {
                    i++;
                }
                value = s.substring(start, i);
            }
            if (fields.size() < MAX_FIELDS) {
                fields.putIfAbsent(key, value);
            }
        }
        return Collections.unmodifiableMap(fields);
    }

    /** Whether the field is present (with or without a value). */
    public boolean has(String name) {
        return fields.containsKey(name);
    }

    /** The value as written (quotes kept), or null. */
    public String raw(String name) {
        return fields.get(name);
    }

    /**
     * An untrusted string field: double-quoted, or hex-encoded (when it holds a space, a quote, a control
     * character or non-ASCII bytes); null when absent or {@code (null)}/{@code (none)}.
     */
    public String string(String name) throws MalformedAuditException {
        return decode(name, fields.get(name));
    }

    /** The bytes of an untrusted string field (proctitle holds NULs); null when absent. */
    public byte[] bytes(String name) throws MalformedAuditException {
        String value = fields.get(name);
        if (value == null || value.equals("(null)") || value.equals("(none)")) {
            return null;
        }
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return value.substring(1, value.length() - 1).getBytes(StandardCharsets.UTF_8);
        }
        return hex(name, value);
    }

    static String decode(String name, String value) throws MalformedAuditException {
        if (value == null || value.equals("(null)") || value.equals("(none)")) {
            return null;
        }
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return value.substring(1, value.length() - 1);
        }
        return new String(hex(name, value), StandardCharsets.UTF_8);
    }

    /**
     * A file name, path, program or argument as byte-exact text, as the node agent writes it
     * ({@link FieldText}): audit hex-encodes any value holding a control character, a space, a
     * quote or a byte over 0x7e, and quotes the others. Null when absent.
     */
    public String text(String name) throws MalformedAuditException {
        return decodeText(name, fields.get(name));
    }

    static String decodeText(String name, String value) throws MalformedAuditException {
        if (value == null || value.equals("(null)") || value.equals("(none)")) {
            return null;
        }
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return FieldText.fromKernelBytes(value.substring(1, value.length() - 1).getBytes(StandardCharsets.UTF_8));
        }
        return FieldText.fromKernelBytes(hex(name, value));
    }

    private static byte[] hex(String name, String value) throws MalformedAuditException {
        if (value.isEmpty() || value.length() % 2 != 0) {
            throw new MalformedAuditException("field '" + clip(name) + "' is neither quoted nor hex: '" + clip(value) + "'");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length() / 2);
        for (int i = 0; i < value.length(); i += 2) {
            int hi = Character.digit(value.charAt(i), 16);
            int lo = Character.digit(value.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new MalformedAuditException("field '" + clip(name) + "' is neither quoted nor hex: '" + clip(value) + "'");
            }
            out.write(hi << 4 | lo);
        }
        return out.toByteArray();
    }

    /** A decimal number field; null when absent. */
    public Long number(String name) throws MalformedAuditException {
        String value = fields.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new MalformedAuditException("field '" + clip(name) + "' is not a number: '" + clip(value) + "'");
        }
    }

    /** A hexadecimal field (syscall arguments, arch); null when absent. Wider than 64 bits is malformed. */
    public Long hexNumber(String name) throws MalformedAuditException {
        String value = fields.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(value, 16);
        } catch (NumberFormatException e) {
            throw new MalformedAuditException("field '" + clip(name) + "' is not hexadecimal: '" + clip(value) + "'");
        }
    }

    /** An octal field (a PATH record's mode); null when absent. */
    public Long octal(String name) throws MalformedAuditException {
        String value = fields.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value, 8);
        } catch (NumberFormatException e) {
            throw new MalformedAuditException("field '" + clip(name) + "' is not octal: '" + clip(value) + "'");
        }
    }

    /** A field of the ENRICHED part (e.g. {@code SYSCALL}, {@code ARCH}), unquoted; null when absent. */
    public String interpreted(String name) {
        String value = enriched.get(name);
        if (value != null && value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    static String clip(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
