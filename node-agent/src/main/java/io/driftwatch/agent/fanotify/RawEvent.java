package io.driftwatch.agent.fanotify;

/**
 * One fanotify event as read from the kernel, before any path is resolved: the mask (several events on
 * one object by one pid may be merged into one mask), the pid, and the directory file handle plus name
 * of the object (for FAN_RENAME also of the new name).
 *
 * @param mask    FAN_* bits
 * @param pid     the acting process, in the agent's pid namespace (host pids)
 * @param dir     the directory handle and entry name of the object, or null (overflow events)
 * @param newDir  for FAN_RENAME, the new directory handle and name; else null
 * @param target  for directory-entry events (create, delete, rename), the handle of the object itself
 *                (FAN_REPORT_TARGET_FID); else null
 */
record RawEvent(long mask, int pid, HandleName dir, HandleName newDir, HandleName target) {

    boolean has(long bit) {
        return (mask & bit) != 0;
    }

    /**
     * A directory file handle on filesystem {@code fsid} and an entry name in it ("." for the directory itself), with
     * the key the sensor's maps know the object by (fsid, handle type, handle bytes), made once.
     */
    record HandleName(long fsid, byte[] handle, int handleType, String name, java.nio.ByteBuffer key) {
        HandleName(long fsid, byte[] handle, int handleType, String name) {
            this(fsid, handle, handleType, name, keyOf(fsid, handleType, handle));
        }

        /** Nobody changes a key once made: it is read with absolute gets only (equals, hashCode). */
        static java.nio.ByteBuffer keyOf(long fsid, int handleType, byte[] handle) {
            java.nio.ByteBuffer key = java.nio.ByteBuffer.allocate(12 + handle.length);
            key.putLong(fsid).putInt(handleType).put(handle).flip();
            return key;
        }
    }
}
