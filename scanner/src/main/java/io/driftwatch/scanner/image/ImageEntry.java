package io.driftwatch.scanner.image;

/**
 * A path as one layer wrote it (or, in {@link ImageScan#files()}, as the final filesystem holds it after whiteouts).
 *
 * @param path       absolute and normalised, as seen inside the container: "/usr/bin/env" (never ".", never "./x")
 * @param kind       what it is
 * @param mode       permission plus setuid (04000), setgid (02000) and sticky (01000) bits; no file-type bits
 * @param uid        owner
 * @param gid        group
 * @param size       content length for FILE, else 0
 * @param sha256     lower-case hex of the content for FILE (and for HARDLINK, the target's), else null
 * @param linkTarget for SYMLINK the link text; for HARDLINK the absolute path of the file it links to; else null
 * @param layer      index of the layer that wrote this entry
 */
public record ImageEntry(String path, EntryKind kind, int mode, long uid, long gid, long size, String sha256,
        String linkTarget, int layer) {

    public boolean isRegular() {
        return kind == EntryKind.FILE || kind == EntryKind.HARDLINK;
    }
}
