package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageScan;
import java.util.List;
import java.util.Set;

/**
 * {@code type: sha256}: every regular file matching {@code paths} has one of the given digests, and at least one file
 * matches.
 */
public final class Sha256Check extends FinalFilesystemCheck {
    private final Set<String> digests;

    public Sha256Check(CheckInfo info, PathFilter filter, List<String> digests) {
        super(info, filter);
        this.digests = Set.copyOf(digests);
    }

    @Override
    public CheckRun start(ScanContext context) {
        return new CheckRun() {
            private int seen;

            @Override
            public void finish(ImageScan scan) {
                for (ImageEntry entry : scan.files().values()) {
                    if (!filter.applies(entry.path())) {
                        continue;
                    }
                    seen++;
                    if (!entry.isRegular()) {
                        report(context.sink(), entry, entry.path() + " is a " + entry.kind().name().toLowerCase(java.util.Locale.ROOT)
                                + ", not a regular file with sha256 " + expected());
                    } else if (!digests.contains(entry.sha256())) {
                        report(context.sink(), entry, entry.path() + " has sha256 " + entry.sha256() + ", not " + expected());
                    }
                }
                if (seen == 0) {
                    String globs = String.join(", ", filter.paths().stream().map(Object::toString).toList());
                    context.sink().report(info, globs, -1, 0, "no file matches " + globs + ", which should have sha256 "
                            + expected(), null, null);
                }
            }
        };
    }

    private String expected() {
        return digests.size() == 1 ? digests.iterator().next() : "one of " + String.join(", ", digests.stream().sorted().toList());
    }

}
