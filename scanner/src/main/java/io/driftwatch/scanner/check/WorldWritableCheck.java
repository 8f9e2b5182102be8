package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;

/**
 * {@code type: world-writable}: files and directories anyone may write (o+w), outside {@code allow}. Directories with
 * the sticky bit (as /tmp: only an entry's owner may remove it) pass unless {@code allowSticky: false}. Symbolic
 * links (always 0777), devices and fifos are not looked at.
 */
public final class WorldWritableCheck extends FinalFilesystemCheck {
    private final boolean allowSticky;

    public WorldWritableCheck(CheckInfo info, PathFilter filter, boolean allowSticky) {
        super(info, filter);
        this.allowSticky = allowSticky;
    }

    @Override
    void check(ImageEntry entry, FindingSink sink) {
        if ((entry.mode() & 0002) == 0) {
            return;
        }
        if (entry.kind() == EntryKind.DIR) {
            boolean sticky = (entry.mode() & 01000) != 0;
            if (sticky && allowSticky) {
                return;
            }
            report(sink, entry, entry.path() + " is a world-writable directory" + (sticky ? "" : " without the sticky bit")
                    + " (mode " + mode(entry.mode()) + ")");
        } else if (entry.isRegular()) {
            report(sink, entry, entry.path() + " is a world-writable file (mode " + mode(entry.mode()) + ")");
        }
    }
}
