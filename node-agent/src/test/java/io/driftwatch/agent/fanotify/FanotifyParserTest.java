package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The parser on buffers laid out as the kernel does (little-endian, as on x86_64 and aarch64). */
class FanotifyParserTest {
    static final long FSID = 0x0000_0042_0000_0017L;
    static final byte[] DIR = {1, 2, 3, 4, 5, 6, 7, 8};
    static final byte[] NEW_DIR = {9, 9, 9, 9, 9, 9, 9, 9};
    static final byte[] FILE = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21};
    static final int HANDLE_TYPE = 0x97; // what tmpfs reports (FILEID_INO64_GEN)

    @BeforeAll
    static void littleEndian() {
        assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "the parser reads native order");
    }

    /** One info record: header, fsid, struct file_handle, then for named types the name and its NUL, padded to 4. */
    static byte[] info(int type, long fsid, byte[] handle, int handleType, String name) {
        return infoBytes(type, fsid, handle, handleType, name == null ? null : name.getBytes(StandardCharsets.UTF_8));
    }

    /** As above, with the name as raw bytes (a Linux name is bytes: anything but NUL and '/'). */
    static byte[] infoBytes(int type, long fsid, byte[] handle, int handleType, byte[] name) {
        byte[] nameBytes = name == null ? new byte[0] : java.util.Arrays.copyOf(name, name.length + 1);
        int len = 4 + 8 + 8 + handle.length + nameBytes.length;
        len = (len + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) type).put((byte) 0).putShort((short) len);
        b.putLong(fsid);
        b.putInt(handle.length).putInt(handleType).put(handle).put(nameBytes);
        return b.array();
    }

    static byte[] event(long mask, int pid, byte[]... infos) {
        return event(-1, mask, pid, infos);
    }

    /** An event; {@code eventLen} -1 for the right length. */
    static byte[] event(int eventLen, long mask, int pid, byte[]... infos) {
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        for (byte[] i : infos) {
            records.writeBytes(i);
        }
        int len = 24 + records.size();
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(eventLen < 0 ? len : eventLen).put((byte) 3).put((byte) 0).putShort((short) 24);
        b.putLong(mask).putInt(-1 /* FAN_NOFD */).putInt(pid);
        b.put(records.toByteArray());
        return b.array();
    }

    static List<RawEvent> parse(byte[]... events) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] e : events) {
            all.writeBytes(e);
        }
        // a buffer larger than what was read, like the agent's 256 KiB one, with junk after the end
        ByteBuffer buf = ByteBuffer.allocateDirect(all.size() + 64);
        buf.put(all.toByteArray());
        while (buf.hasRemaining()) {
            buf.put((byte) 0x5a);
        }
        buf.clear();
        List<RawEvent> out = new ArrayList<>();
        int n = FanotifyParser.parse(buf, all.size(), out::add);
        assertEquals(out.size(), n);
        return out;
    }

    @Test
    void createWithDirectoryHandleAndName() {
        List<RawEvent> events = parse(event(LibC.FAN_CREATE, 4242,
                info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "passwd")));
        assertEquals(1, events.size());
        RawEvent e = events.get(0);
        assertEquals(LibC.FAN_CREATE, e.mask());
        assertTrue(e.has(LibC.FAN_CREATE));
        assertEquals(4242, e.pid());
        assertEquals(FSID, e.dir().fsid());
        assertArrayEquals(DIR, e.dir().handle());
        assertEquals(HANDLE_TYPE, e.dir().handleType());
        assertEquals("passwd", e.dir().name());
        assertNull(e.newDir());
        assertNull(e.target());
    }

    @Test
    void namesAreByteExactText() {
        ByteArrayOutputStream name = new ByteArrayOutputStream();
        name.writeBytes("dpkg".getBytes(StandardCharsets.UTF_8));
        name.write(0x0a); // a newline: could forge a log line
        name.write(0xff); // not UTF-8: was U+FFFD, the same as any other invalid byte
        name.writeBytes("\\x\u00e9".getBytes(StandardCharsets.UTF_8)); // a backslash, then valid UTF-8
        name.write(0x1b);
        List<RawEvent> events = parse(event(LibC.FAN_CREATE, 1,
                infoBytes(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, name.toByteArray())));
        assertEquals("dpkg\\x0a\\xff\\\\x\u00e9\\x1b", events.get(0).dir().name());
    }

    @Test
    void renameCarriesOldAndNewDirectoryAndTheObject() {
        List<RawEvent> events = parse(event(LibC.FAN_RENAME | LibC.FAN_ONDIR, 7,
                info(LibC.FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, FSID, DIR, HANDLE_TYPE, "#1f"),
                info(LibC.FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, FSID, NEW_DIR, HANDLE_TYPE, "etc"),
                info(LibC.FAN_EVENT_INFO_TYPE_FID, FSID, FILE, HANDLE_TYPE, null)));
        RawEvent e = events.get(0);
        assertTrue(e.has(LibC.FAN_RENAME) && e.has(LibC.FAN_ONDIR));
        assertArrayEquals(DIR, e.dir().handle());
        assertEquals("#1f", e.dir().name());
        assertArrayEquals(NEW_DIR, e.newDir().handle());
        assertEquals("etc", e.newDir().name());
        assertArrayEquals(FILE, e.target().handle());
        assertEquals(".", e.target().name());
    }

    @Test
    void fidOnlyEventHasNoDirectory() {
        // an unlinked file's link count dropping: the file's own handle, no directory, no name
        RawEvent e = parse(event(LibC.FAN_ATTRIB, 99, info(LibC.FAN_EVENT_INFO_TYPE_FID, FSID, FILE, HANDLE_TYPE, null)))
                .get(0);
        assertEquals(LibC.FAN_ATTRIB, e.mask());
        assertNull(e.dir());
        assertNull(e.newDir());
        assertArrayEquals(FILE, e.target().handle());
        assertEquals(FSID, e.target().fsid());
    }

    @Test
    void directoryOnlyRecordNamesTheDirectoryItself() {
        RawEvent e = parse(event(LibC.FAN_ATTRIB | LibC.FAN_ONDIR, 5,
                info(LibC.FAN_EVENT_INFO_TYPE_DFID, FSID, DIR, HANDLE_TYPE, null))).get(0);
        assertEquals(".", e.dir().name());
        assertArrayEquals(DIR, e.dir().handle());
    }

    @Test
    void twoEventsInOneBuffer() {
        List<RawEvent> events = parse(
                event(LibC.FAN_MODIFY | LibC.FAN_CLOSE_WRITE, 1,
                        info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "a"),
                        info(LibC.FAN_EVENT_INFO_TYPE_FID, FSID, FILE, HANDLE_TYPE, null)),
                event(LibC.FAN_DELETE, 2, info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "bb")));
        assertEquals(2, events.size());
        assertEquals("a", events.get(0).dir().name());
        assertEquals(LibC.FAN_MODIFY | LibC.FAN_CLOSE_WRITE, events.get(0).mask());
        assertArrayEquals(FILE, events.get(0).target().handle());
        assertEquals("bb", events.get(1).dir().name());
        assertEquals(2, events.get(1).pid());
        assertNull(events.get(1).target());
    }

    @Test
    void utf8Names() {
        RawEvent e = parse(event(LibC.FAN_CREATE, 1,
                info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "résumé ☃"))).get(0);
        assertEquals("résumé ☃", e.dir().name());
    }

    @Test
    void eventLongerThanWhatWasReadIsCorrupt() {
        byte[] bad = event(4096, LibC.FAN_CREATE, 1, info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "x"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parse(bad));
        assertTrue(e.getMessage().contains("corrupt fanotify buffer at offset 0"), e.getMessage());
        assertTrue(e.getMessage().contains("event_len 4096"), e.getMessage());
    }

    @Test
    void eventShorterThanItsMetadataIsCorrupt() {
        byte[] good = event(LibC.FAN_CREATE, 1, info(LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, FSID, DIR, HANDLE_TYPE, "x"));
        byte[] bad = event(8, LibC.FAN_CREATE, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parse(good, bad));
        assertTrue(e.getMessage().contains("at offset " + good.length) && e.getMessage().contains("event_len 8"),
                e.getMessage());
    }

    @Test
    void unknownMetadataVersionIsRefused() {
        byte[] ev = event(LibC.FAN_CREATE, 1);
        ev[4] = 2;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> parse(ev));
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
    }
}
