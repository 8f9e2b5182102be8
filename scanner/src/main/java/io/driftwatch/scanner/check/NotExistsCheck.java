package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageScan;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code type: not-exists}: no path of the final filesystem may match {@code paths} (less {@code allow}). A matching
 * directory is one finding, whatever lies under it.
 */
public final class NotExistsCheck extends FinalFilesystemCheck {

    public NotExistsCheck(CheckInfo info, PathFilter filter) {
        super(info, filter);
    }

    @Override
    public CheckRun start(ScanContext context) {
        return new CheckRun() {
            @Override
            public void finish(ImageScan scan) {
                Map<String, ImageEntry> reported = new HashMap<>();
                Map<String, Integer> under = new HashMap<>();
                for (ImageEntry entry : scan.files().values()) {
                    if (!filter.applies(entry.path())) {
                        continue;
                    }
                    String ancestor = reportedAncestor(entry.path(), reported);
                    if (ancestor != null) {
                        under.merge(ancestor, 1, Integer::sum);
                    } else {
                        reported.put(entry.path(), entry);
                    }
                }
                reported.values().stream().sorted(java.util.Comparator.comparing(ImageEntry::path)).forEach(entry -> {
                    int count = under.getOrDefault(entry.path(), 0);
                    String what = entry.kind() == EntryKind.DIR ? "directory " : "";
                    context.sink().report(info, entry.path(), entry.layer(), 0, what + entry.path()
                            + (count > 0 ? " (and " + count + " entries under it)" : "")
                            + " is in the image, which the policy forbids", null, null);
                });
            }
        };
    }

    private static String reportedAncestor(String path, Map<String, ImageEntry> reported) {
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) {
            String parent = path.substring(0, slash);
            if (reported.containsKey(parent)) {
                return parent;
            }
        }
        return null;
    }

}
