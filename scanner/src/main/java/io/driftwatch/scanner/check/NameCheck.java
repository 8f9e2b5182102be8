package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.Layer;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code type: name}: a regular expression searched in the path of every entry of every layer, so that a file a later
 * layer deletes (which still ships in its layer's blob) is found too. With {@code match: name} only the last segment
 * is searched. When the match ends with a '/' (as {@code (^|/)\.git/} in /app/.git/HEAD), the finding is the
 * directory (/app/.git), once.
 */
public final class NameCheck implements Check {
    public enum Target { PATH, NAME }

    private final CheckInfo info;
    private final PathFilter filter;
    private final Pattern pattern;
    private final Target target;

    public NameCheck(CheckInfo info, PathFilter filter, Pattern pattern, Target target) {
        this.info = info;
        this.filter = filter;
        this.pattern = pattern;
        this.target = target;
    }

    @Override
    public CheckInfo info() {
        return info;
    }

    public Pattern pattern() {
        return pattern;
    }

    @Override
    public CheckRun start(ScanContext context) {
        Set<String> reported = new HashSet<>();
        return new CheckRun() {
            @Override
            public void entry(Layer layer, ImageEntry entry, byte[] content) {
                String path = entry.path();
                int offset = target == Target.NAME ? path.lastIndexOf('/') + 1 : 0;
                Matcher m = pattern.matcher(path).region(offset, path.length());
                m.useAnchoringBounds(true).useTransparentBounds(true);
                if (!m.find()) {
                    return;
                }
                String found = m.end() > m.start() && path.charAt(m.end() - 1) == '/' && m.end() < path.length()
                        ? path.substring(0, m.end() - 1) : path;
                if (!filter.applies(found) || !reported.add(found)) {
                    return;
                }
                context.sink().report(info, found, layer.index(), 0, info.description() + ": " + found
                        + (found.equals(path) ? "" : " (seen as " + path + ")"), null, null);
            }
        };
    }
}
