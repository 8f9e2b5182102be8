package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageScan;

/** A check of the final filesystem (after every layer and whiteout): each path it applies to, once. */
abstract class FinalFilesystemCheck implements Check {
    protected final CheckInfo info;
    protected final PathFilter filter;

    FinalFilesystemCheck(CheckInfo info, PathFilter filter) {
        this.info = info;
        this.filter = filter;
    }

    @Override
    public CheckInfo info() {
        return info;
    }

    public PathFilter filter() {
        return filter;
    }

    @Override
    public CheckRun start(ScanContext context) {
        return new CheckRun() {
            @Override
            public void finish(ImageScan scan) {
                for (ImageEntry entry : scan.files().values()) {
                    if (filter.applies(entry.path())) {
                        check(entry, context.sink());
                    }
                }
                done(scan, context.sink());
            }
        };
    }

    /** One path of the final filesystem that the filter lets through. */
    void check(ImageEntry entry, FindingSink sink) {
    }

    /** After every path. */
    void done(ImageScan scan, FindingSink sink) {
    }

    static String mode(int mode) {
        return String.format("%04o", mode & 07777);
    }

    void report(FindingSink sink, ImageEntry entry, String message) {
        sink.report(info, entry.path(), entry.layer(), 0, message, null, null);
    }
}
