package io.driftwatch.agent.fanotify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.driftwatch.schemas.text.FieldText;
import java.util.function.Consumer;

/**
 * Decodes the buffer a read of a fanotify descriptor (initialised with FAN_REPORT_DFID_NAME) returns:
 * a sequence of {@code struct fanotify_event_metadata} (24 bytes: u32 event_len, u8 vers, u8 reserved,
 * u16 metadata_len, u64 mask, s32 fd, s32 pid), each followed by info records (u8 type, u8 pad, u16 len,
 * {@code __kernel_fsid_t} fsid, {@code struct file_handle} {u32 handle_bytes, s32 handle_type,
 * f_handle[handle_bytes]}, and for the *_DFID_NAME types a NUL-terminated name). Pure Java, so it is
 * tested on crafted buffers as well as on the kernel's. Names become byte-exact text ({@code FieldText}).
 */
final class FanotifyParser {
    static final int METADATA_VERSION = 3;

    private FanotifyParser() {
    }

    /** Calls {@code sink} for every complete event in {@code buf[0..length)}; returns the number of events. */
    static int parse(ByteBuffer buf, int length, Consumer<RawEvent> sink) {
        ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
        int offset = 0;
        int events = 0;
        while (offset + 24 <= length) {
            offset += parseEvent(b, offset, length, sink);
            events++;
        }
        return events;
    }

    /**
     * Decodes the event at {@code offset} and hands it to {@code sink}; returns its length. A method of its own, run
     * once per event, so that the JIT compiles it early and once (a buffer's loop runs once per read).
     */
    private static int parseEvent(ByteBuffer b, int offset, int length, Consumer<RawEvent> sink) {
        int eventLen = b.getInt(offset);
        int version = b.get(offset + 4) & 0xff;
        int metadataLen = b.getShort(offset + 6) & 0xffff;
        if (eventLen < 24 || offset + eventLen > length || metadataLen < 24 || metadataLen > eventLen) {
            throw new IllegalStateException("corrupt fanotify buffer at offset " + offset + ": event_len "
                    + eventLen + ", metadata_len " + metadataLen + ", read " + length);
        }
        if (version != METADATA_VERSION) {
            throw new IllegalStateException("fanotify metadata version " + version + ", expected " + METADATA_VERSION);
        }
        long mask = b.getLong(offset + 8);
        int pid = b.getInt(offset + 20);
        RawEvent.HandleName dir = null;
        RawEvent.HandleName newDir = null;
        RawEvent.HandleName target = null;
        int info = offset + metadataLen;
        int end = offset + eventLen;
        while (info + 4 <= end) {
            int type = b.get(info) & 0xff;
            int len = b.getShort(info + 2) & 0xffff;
            if (len < 4 || info + len > end) {
                break;
            }
            if (type == LibC.FAN_EVENT_INFO_TYPE_DFID_NAME || type == LibC.FAN_EVENT_INFO_TYPE_DFID
                    || type == LibC.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME || type == LibC.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME
                    || type == LibC.FAN_EVENT_INFO_TYPE_FID) {
                RawEvent.HandleName hn = handleName(b, info, len, type);
                if (type == LibC.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
                    newDir = hn;
                } else if (type == LibC.FAN_EVENT_INFO_TYPE_FID) {
                    target = hn;
                } else {
                    dir = hn;
                }
            }
            info += len;
        }
        sink.accept(new RawEvent(mask, pid, dir, newDir, target));
        return eventLen;
    }

    private static RawEvent.HandleName handleName(ByteBuffer b, int info, int len, int type) {
        long fsid = b.getLong(info + 4);
        int h = info + 12;
        int handleBytes = b.getInt(h);
        int handleType = b.getInt(h + 4);
        byte[] handle = new byte[handleBytes];
        b.get(h + 8, handle);
        String name = ".";
        boolean named = type == LibC.FAN_EVENT_INFO_TYPE_DFID_NAME || type == LibC.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
                || type == LibC.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
        int nameStart = h + 8 + handleBytes;
        int end = info + len;
        if (named && nameStart < end) {
            int nul = nameStart;
            while (nul < end && b.get(nul) != 0) {
                nul++;
            }
            byte[] raw = new byte[nul - nameStart];
            b.get(nameStart, raw);
            name = FieldText.fromKernelBytes(raw); // a name is bytes: byte-exact text, \xNN where not UTF-8
        }
        return new RawEvent.HandleName(fsid, handle, handleType, name);
    }
}
