package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.ImageEntry;

/** {@code type: executable}: regular files with an execute bit (0111) under {@code paths}, outside {@code allow}. */
public final class ExecutableCheck extends FinalFilesystemCheck {

    public ExecutableCheck(CheckInfo info, PathFilter filter) {
        super(info, filter);
    }

    @Override
    void check(ImageEntry entry, FindingSink sink) {
        if (entry.isRegular() && (entry.mode() & 0111) != 0) {
            report(sink, entry, entry.path() + " is executable (mode " + mode(entry.mode()) + ")");
        }
    }
}
