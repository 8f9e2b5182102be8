package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.policy.Glob;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code type: exists}: each glob of {@code paths} must match at least one path of the final filesystem. */
public final class ExistsCheck implements Check {
    private final CheckInfo info;
    private final List<Glob> paths;

    public ExistsCheck(CheckInfo info, List<Glob> paths) {
        this.info = info;
        this.paths = List.copyOf(paths);
    }

    @Override
    public CheckInfo info() {
        return info;
    }

    @Override
    public CheckRun start(ScanContext context) {
        return new CheckRun() {
            @Override
            public void finish(ImageScan scan) {
                Map<Glob, Boolean> found = new LinkedHashMap<>();
                paths.forEach(g -> found.put(g, false));
                for (ImageEntry entry : scan.files().values()) {
                    for (Glob glob : paths) {
                        if (!found.get(glob) && glob.matches(entry.path())) {
                            found.put(glob, true);
                        }
                    }
                }
                found.forEach((glob, present) -> {
                    if (!present) {
                        context.sink().report(info, glob.text(), -1, 0,
                                "nothing in the image matches " + glob.text() + ", which the policy requires", null, null);
                    }
                });
            }
        };
    }
}
