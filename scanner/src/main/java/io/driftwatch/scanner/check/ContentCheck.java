package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.Layer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code type: content}: secrets in the content of every regular file of every layer (so a secret a later layer
 * deletes is still found, in the layer that added it), by a built-in {@link Detector} or a custom pattern. Files larger
 * than the content limit are not searched, nor binary files (a NUL byte in the first 8000) unless {@code binary:
 * true}. A secret equal to one of {@code allowValues}, or whose fingerprint starts with one of
 * {@code allowFingerprints}, is no finding. Each secret is one finding per path and file content.
 */
public final class ContentCheck implements Check {
    /** Findings of one check in one file, at most. */
    static final int PER_FILE = 20;

    private final CheckInfo info;
    private final PathFilter filter;
    private final SecretMatcher matcher;
    private final Set<String> allowValues;
    private final List<String> allowFingerprints;
    private final boolean binary;

    public ContentCheck(CheckInfo info, PathFilter filter, SecretMatcher matcher, List<String> allowValues,
            List<String> allowFingerprints, boolean binary) {
        this.info = info;
        this.filter = filter;
        this.matcher = matcher;
        this.allowValues = Set.copyOf(allowValues);
        this.allowFingerprints = allowFingerprints.stream().map(ContentCheck::hex).toList();
        this.binary = binary;
    }

    /** "sha256:1f3a..." or "1f3a..." to the lower-case hex digits. */
    public static String hex(String fingerprint) {
        String f = fingerprint.trim().toLowerCase(java.util.Locale.ROOT);
        return f.startsWith("sha256:") ? f.substring("sha256:".length()) : f;
    }

    @Override
    public CheckInfo info() {
        return info;
    }

    public SecretMatcher matcher() {
        return matcher;
    }

    public boolean scansBinaryFiles() {
        return binary;
    }

    @Override
    public CheckRun start(ScanContext context) {
        Set<String> reported = new HashSet<>();
        return new CheckRun() {
            @Override
            public void entry(Layer layer, ImageEntry entry, byte[] content) {
                if (entry.kind() != EntryKind.FILE || content == null || content.length == 0 || !filter.applies(entry.path())) {
                    return;
                }
                if (!binary && context.binary(content)) {
                    return;
                }
                String text = context.text(content);
                if (!matcher.mayMatch(text)) {
                    return;
                }
                List<SecretMatcher.Match> matches;
                try {
                    matches = matcher.find(text, PER_FILE);
                } catch (StackOverflowError e) {
                    // java.util.regex recurses on some patterns ((a|b)* over a long run): say so rather than pass
                    if (reported.add(entry.path() + "\0" + entry.sha256() + "\0overflow")) {
                        context.sink().report(info, entry.path(), layer.index(), 0, "the check's pattern could not be"
                                + " searched in " + entry.path() + " (" + content.length + " bytes: the regular expression"
                                + " recursed too deep); look at the file, or simplify the pattern", null, null);
                    }
                    return;
                }
                for (SecretMatcher.Match match : matches) {
                    String fingerprint = Redaction.fingerprint(match.secret());
                    if (allowValues.contains(match.secret()) || allowedFingerprint(fingerprint)) {
                        continue;
                    }
                    if (!reported.add(entry.path() + "\0" + entry.sha256() + "\0" + fingerprint)) {
                        continue;
                    }
                    int line = line(text, match.offset());
                    String evidence = (match.shown() == null ? "" : match.shown() + " ") + Redaction.redact(match.secret());
                    context.sink().report(info, entry.path(), layer.index(), line,
                            match.label() + " in " + entry.path() + " line " + line, evidence, fingerprint);
                }
            }
        };
    }

    private boolean allowedFingerprint(String fingerprint) {
        String hex = hex(fingerprint);
        for (String allowed : allowFingerprints) {
            if (hex.startsWith(allowed) || allowed.startsWith(hex)) {
                return true;
            }
        }
        return false;
    }

    static int line(String text, int offset) {
        int line = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }
}
