package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;

/**
 * {@code type: setuid}: regular files with the setuid (04000) or setgid (02000) bit, outside {@code allow}. Directories
 * with setgid (group inheritance, as /var/mail) are not findings.
 */
public final class SetuidCheck extends FinalFilesystemCheck {
    private final boolean setuid;
    private final boolean setgid;

    public SetuidCheck(CheckInfo info, PathFilter filter, boolean setuid, boolean setgid) {
        super(info, filter);
        this.setuid = setuid;
        this.setgid = setgid;
    }

    @Override
    void check(ImageEntry entry, FindingSink sink) {
        if (!entry.isRegular()) {
            return;
        }
        boolean u = setuid && (entry.mode() & 04000) != 0;
        boolean g = setgid && (entry.mode() & 02000) != 0;
        if (u || g) {
            String bits = u && g ? "setuid and setgid" : u ? "setuid" : "setgid";
            report(sink, entry, entry.path() + " is " + bits + " (mode " + mode(entry.mode()) + ", uid " + entry.uid() + ", gid "
                    + entry.gid() + ")");
        }
    }
}
