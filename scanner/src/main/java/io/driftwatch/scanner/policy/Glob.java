package io.driftwatch.scanner.policy;

import java.util.regex.Pattern;

/**
 * A glob over absolute paths inside an image, as policies write them: {@code *} matches within one path segment (dot
 * files too), {@code ?} one character of a segment, {@code [abc]}, {@code [a-z]} and {@code [!abc]} one character of a
 * set, {@code {a,b}} either alternative, {@code **} as a whole segment any number of segments (none included), and
 * {@code \} escapes the next character. A glob starts with {@code /} or {@code **}: {@code **}{@code /.git} is a
 * {@code .git} anywhere, {@code /etc/**} is /etc and everything under it.
 */
public final class Glob {
    private final String text;
    private final Pattern pattern;

    private Glob(String text, Pattern pattern) {
        this.text = text;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException with a sentence saying what is wrong, for a policy's file:line message */
    public static Glob compile(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("empty glob");
        }
        String text = glob;
        if (text.startsWith("**")) {
            text = "/" + text;
        }
        if (!text.startsWith("/")) {
            throw new IllegalArgumentException("glob \"" + glob + "\" must start with / (an absolute path in the image)"
                    + " or ** (any directory), as in /etc/" + glob + " or **/" + glob);
        }
        if (text.length() > 1 && text.endsWith("/") && !text.endsWith("\\/")) {
            text = text.substring(0, text.length() - 1);
        }
        StringBuilder regex = new StringBuilder();
        if (text.equals("/")) {
            regex.append("/");
        }
        int i = 1; // after the leading "/"
        while (i <= text.length()) {
            int end = segmentEnd(glob, text, i);
            String segment = text.substring(i, end);
            if (segment.isEmpty()) {
                if (text.equals("/")) {
                    break;
                }
                throw new IllegalArgumentException("glob \"" + glob + "\" has an empty path segment (//)");
            }
            if (segment.equals("**")) {
                regex.append("(?:/[^/]+)*");
            } else if (segment.contains("**") && !segment.contains("\\*")) {
                throw new IllegalArgumentException("glob \"" + glob + "\": ** must be a whole path segment, as in /usr/**/bin;"
                        + " * matches within one segment");
            } else {
                regex.append('/');
                segment(glob, segment, regex);
            }
            i = end + 1;
        }
        return new Glob(glob, Pattern.compile(regex.toString(), Pattern.DOTALL));
    }

    /** Where the segment starting at {@code from} ends: the next '/' outside brackets and braces, or the end. */
    private static int segmentEnd(String glob, String text, int from) {
        int braces = 0;
        boolean bracket = false;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (bracket) {
                if (c == ']' ) {
                    bracket = false;
                } else if (c == '/') {
                    throw new IllegalArgumentException("glob \"" + glob + "\": a [...] set cannot hold /");
                }
            } else if (c == '[') {
                bracket = true;
                // "[]...]" and "[!]...]": a ']' first in the set is a member
                if (i + 1 < text.length() && (text.charAt(i + 1) == '!' || text.charAt(i + 1) == '^')) {
                    i++;
                }
                if (i + 1 < text.length() && text.charAt(i + 1) == ']') {
                    i++;
                }
            } else if (c == '{') {
                braces++;
            } else if (c == '}') {
                braces--;
            } else if (c == '/') {
                if (braces > 0) {
                    throw new IllegalArgumentException("glob \"" + glob + "\": a {...} alternative cannot hold /;"
                            + " write two globs instead");
                }
                return i;
            }
        }
        if (bracket) {
            throw new IllegalArgumentException("glob \"" + glob + "\": [ without its closing ]");
        }
        return text.length();
    }

    private static void segment(String glob, String segment, StringBuilder regex) {
        int braces = 0;
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            switch (c) {
                case '\\' -> {
                    if (i + 1 >= segment.length()) {
                        throw new IllegalArgumentException("glob \"" + glob + "\" ends with a lone \\");
                    }
                    literal(segment.charAt(++i), regex);
                }
                case '*' -> regex.append("[^/]*");
                case '?' -> regex.append("[^/]");
                case '[' -> {
                    int close = i + 1;
                    if (close < segment.length() && (segment.charAt(close) == '!' || segment.charAt(close) == '^')) {
                        close++;
                    }
                    if (close < segment.length() && segment.charAt(close) == ']') {
                        close++; // a ']' first in the set is a member
                    }
                    while (close < segment.length() && segment.charAt(close) != ']') {
                        if (segment.charAt(close) == '\\') {
                            close++;
                        }
                        close++;
                    }
                    if (close >= segment.length()) {
                        throw new IllegalArgumentException("glob \"" + glob + "\": [ without its closing ]");
                    }
                    regex.append(buildSet(glob, segment.substring(i + 1, close)));
                    i = close;
                }
                case '{' -> {
                    braces++;
                    regex.append("(?:");
                }
                case ',' -> regex.append(braces > 0 ? "|" : ",");
                case '}' -> {
                    if (braces == 0) {
                        throw new IllegalArgumentException("glob \"" + glob + "\": } without its opening {");
                    }
                    braces--;
                    regex.append(')');
                }
                default -> literal(c, regex);
            }
        }
        if (braces > 0) {
            throw new IllegalArgumentException("glob \"" + glob + "\": { without its closing }");
        }
    }

    /** A bracket set's inside (between [ and ]) as a regex class that never matches '/'. */
    private static String buildSet(String glob, String inside) {
        StringBuilder set = new StringBuilder("[");
        int i = 0;
        boolean negate = false;
        if (i < inside.length() && (inside.charAt(i) == '!' || inside.charAt(i) == '^')) {
            negate = true;
            i++;
        }
        if (negate) {
            set.append('^').append('/');
        }
        int members = 0;
        for (; i < inside.length(); i++) {
            char c = inside.charAt(i);
            if (c == '\\' && i + 1 < inside.length()) {
                c = inside.charAt(++i);
                set.append(escapeInSet(c));
                members++;
                continue;
            }
            if (c == '-' && members > 0 && i + 1 < inside.length()) {
                char from = inside.charAt(i - 1);
                char to = inside.charAt(i + 1);
                if (to < from) {
                    throw new IllegalArgumentException("glob \"" + glob + "\": range " + from + "-" + to + " is backwards");
                }
                set.append('-');
                continue;
            }
            set.append(escapeInSet(c));
            members++;
        }
        if (members == 0) {
            throw new IllegalArgumentException("glob \"" + glob + "\": empty [] set");
        }
        set.append(']');
        return negate ? set.toString() : "(?:(?!/)" + set + ")";
    }

    private static String escapeInSet(char c) {
        return "[]&^\\-".indexOf(c) >= 0 ? "\\" + c : String.valueOf(c);
    }

    private static void literal(char c, StringBuilder regex) {
        if ("\\.[]{}()<>*+-=!?^$|".indexOf(c) >= 0) {
            regex.append('\\');
        }
        regex.append(c);
    }

    public boolean matches(String path) {
        return pattern.matcher(path).matches();
    }

    /** The glob as written. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
