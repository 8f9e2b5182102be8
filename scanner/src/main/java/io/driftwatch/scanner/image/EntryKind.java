package io.driftwatch.scanner.image;

/** What a layer entry or a file of the final filesystem is. */
public enum EntryKind {
    FILE, DIR, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO
}
