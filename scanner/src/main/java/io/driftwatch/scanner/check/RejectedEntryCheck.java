package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.Layer;

/**
 * {@code type: rejected-entry}: layer entries the reader refused to apply, which no extractor should apply either: a
 * name that climbs above the image's root ({@code ../../etc/cron.d/x}, the "tar slip" of a crafted image), a hard
 * link to such a name, an entry type tar readers do not know, a root that is not a directory. The image ships them
 * all the same. Sockets (which only a live directory scanned with dir: holds) are not findings.
 */
public final class RejectedEntryCheck implements Check {
    private final CheckInfo info;

    public RejectedEntryCheck(CheckInfo info) {
        this.info = info;
    }

    @Override
    public CheckInfo info() {
        return info;
    }

    @Override
    public CheckRun start(ScanContext context) {
        return new CheckRun() {
            @Override
            public void rejected(Layer layer, String name, String reason) {
                if (reason.equals("a socket")) {
                    return;
                }
                context.sink().report(info, name, layer.index(), 0, "layer " + layer.index() + " holds the entry " + name
                        + ", which was not applied: " + reason, null, null);
            }
        };
    }
}
