package io.driftwatch.adapters.audit;

import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Linux audit logs (auditd's {@code audit.log}, RAW or ENRICHED format) to {@link FileEvent}s; see
 * src/adapters.md.
 *
 * <p>Lines go in one at a time. The records of one event share the stamp {@code msg=audit(TIME:SERIAL)} (and
 * the {@code node=}); they are collected until the event is complete: its {@code PROCTITLE} (the kernel's last
 * record of a syscall event) or {@code EOE} arrives, or 2 s of event time pass beyond it, or more than
 * {@value #MAX_OPEN} events are open, or a followed log has been quiet for 2 s ({@link #tick(long)}), or the input
 * ends ({@link #finish()}). A complete event is a SYSCALL of a file operation (one FileEvent), or something
 * else that is counted and skipped: another syscall, another kind of event (logins, configuration changes,
 * the daemon's own records), a syscall that failed ({@code success=no}: the file did not change), or one
 * without a path name (an fd-based call the watch matched by inode). A line that is not an audit record, and an
 * event that cannot be read as the operation it claims to be, go to {@link Output#malformed} with the reason.
 *
 * <p>Not thread-safe.
 */
public final class LinuxAuditAdapter {
    public static final String SOURCE = "audit";
    /** How long (event time, and wall-clock time when followed) an event without its last record stays open. */
    public static final long GROUP_TIMEOUT_MS = 2000;
    static final int MAX_OPEN = 64;
    private static final int MAX_RECORDS = 512;
    private static final int MAX_ARGS = 4096;
    private static final long UNSET_ID = 4294967295L;
    private static final long AT_FDCWD = 0xffffff9cL;
    private static final int O_ACCMODE = 3;
    private static final long O_CREAT_WRONLY_TRUNC = 0x241;
    private static final long O_TRUNC = 0x200;
    private static final long S_IFMT = 0170000;
    private static final long S_IFREG = 0100000;
    private static final long AT_REMOVEDIR = 0x200;
    private static final Pattern PROC_EXE = Pattern.compile("/proc/(self|\\d+)/exe|/proc/(self|\\d+)/fd/\\d+|/dev/fd/\\d+");

    /** Where the results go. */
    public interface Output {
        void event(FileEvent event) throws Exception;

        /**
         * A line that is not an audit record, or an event that cannot be read.
         *
         * @param line the (first) line number
         * @param text the line, or the event's lines joined by newlines
         */
        void malformed(long line, String text, MalformedAuditException reason) throws Exception;
    }

    /** Totals, for the summary and the tests. */
    public static final class Counts {
        public long lines;
        public long records;
        public long events;
        public long fileEvents;
        public long malformedLines;
        public long malformedEvents;
        public long otherSyscalls;
        public long otherEvents;
        public long failed;
        public long withoutPath;
        public long hostEvents;
        public long unmappedKeys;
        public final Map<EventType, Long> byType = new TreeMap<>();

        public long malformed() {
            return malformedLines + malformedEvents;
        }

        public long skipped() {
            return otherSyscalls + otherEvents + failed + withoutPath;
        }
    }

    private static final class Group {
        final String key;
        final long time;
        final List<AuditRecord> records = new ArrayList<>();
        long arrived;
        boolean overflow;

        Group(String key, long time) {
            this.key = key;
            this.time = time;
        }

        String text() {
            StringBuilder text = new StringBuilder();
            for (AuditRecord record : records) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(record.text());
            }
            return text.toString();
        }
    }

    private final AuditContainerMap containers;
    private final String defaultNode;
    private final Output out;
    private final LinkedHashMap<String, Group> open = new LinkedHashMap<>();
    private final Counts counts = new Counts();
    private long clock;

    /**
     * @param defaultNode the node of events whose records carry no {@code node=} (null: unknown)
     */
    public LinuxAuditAdapter(AuditContainerMap containers, String defaultNode, Output out) {
        this.containers = containers;
        this.defaultNode = defaultNode;
        this.out = out;
    }

    public Counts counts() {
        return counts;
    }

    /** One line of the log (null text: a line too long to hold). */
    public void line(long number, String text) throws Exception {
        counts.lines++;
        if (text != null && text.isBlank()) {
            return;
        }
        AuditRecord record;
        try {
            record = AuditRecord.parse(number, text);
        } catch (MalformedAuditException e) {
            counts.malformedLines++;
            out.malformed(number, text == null ? "" : text, e);
            return;
        }
        counts.records++;
        String key = (record.node() == null ? "" : record.node()) + "|" + record.stamp();
        Group group = open.get(key);
        if (group == null) {
            expire(record.timeMillis());
            group = new Group(key, record.timeMillis());
            open.put(key, group);
        }
        group.arrived = clock;
        if (group.records.size() >= MAX_RECORDS) {
            group.overflow = true;
        } else {
            group.records.add(record);
        }
        if (record.type().equals("PROCTITLE") || record.type().equals("EOE") || group.overflow) {
            complete(group);
        }
        while (open.size() > MAX_OPEN) {
            complete(open.values().iterator().next());
        }
    }

    /** A followed log is quiet: events open for {@link #GROUP_TIMEOUT_MS} of wall-clock time are complete. */
    public void tick(long nowMillis) throws Exception {
        if (clock == 0) {
            clock = nowMillis;
        }
        clock = nowMillis;
        Iterator<Group> groups = new ArrayList<>(open.values()).iterator();
        while (groups.hasNext()) {
            Group group = groups.next();
            if (group.arrived == 0) {
                group.arrived = nowMillis; // seen before the first tick: count from now
            } else if (nowMillis - group.arrived >= GROUP_TIMEOUT_MS) {
                complete(group);
            }
        }
    }

    /** The end of the input: every open event is complete. */
    public void finish() throws Exception {
        for (Group group : new ArrayList<>(open.values())) {
            complete(group);
        }
    }

    private void expire(long time) throws Exception {
        for (Group group : new ArrayList<>(open.values())) {
            if (group.time < time - GROUP_TIMEOUT_MS) {
                complete(group);
            }
        }
    }

    private void complete(Group group) throws Exception {
        open.remove(group.key);
        counts.events++;
        FileEvent event;
        try {
            if (group.overflow) {
                throw new MalformedAuditException("more than " + MAX_RECORDS + " records in one event");
            }
            event = map(group.records);
        } catch (MalformedAuditException e) {
            counts.malformedEvents++;
            out.malformed(group.records.get(0).line(), group.text(), e);
            return;
        }
        if (event != null) {
            counts.fileEvents++;
            counts.byType.merge(event.getType(), 1L, Long::sum);
            out.event(event);
        }
    }

    private record Item(long index, String name, String nametype, Long mode) {
    }

    /** The records of one audit event, by type (the first of each; EXECVE arguments merged). */
    private record Gathered(AuditRecord syscall, AuditRecord cwd, AuditRecord proctitle, AuditRecord openat2,
                            Map<String, String> execve, boolean hasExecve, List<Item> items) {
        boolean hasMoreThanSyscall() {
            return !items.isEmpty() || cwd != null || hasExecve || openat2 != null || proctitle != null;
        }
    }

    /** What one syscall did to which path, before the container map is applied. */
    private record Operation(EventType type, String path, String newPath, Integer mode, Integer previousMode,
                             String cmdline, String exe, boolean translateNewPath) {
    }

    /** The FileEvent of one event's records, or null when it is counted and skipped. */
    FileEvent map(List<AuditRecord> records) throws MalformedAuditException {
        Gathered g = gather(records);
        String stamp = records.get(0).stamp();
        String name = syscallName(g, stamp);
        if (name == null) {
            return null;
        }
        AuditRecord syscall = g.syscall();
        Long pid = syscall.number("pid");
        if (pid == null) {
            throw new MalformedAuditException("SYSCALL record without 'pid'");
        }
        Integer pidValue = pid(pid, "pid");
        Long ppid = syscall.number("ppid");
        Long uid = first(syscall.number("euid"), syscall.number("uid"));
        Long gid = first(syscall.number("egid"), syscall.number("gid"));
        Long auid = syscall.number("auid");
        String comm = syscall.text("comm");
        String exe = syscall.text("exe");
        List<String> keys = keys(syscall.string("key"));
        String cwd = g.cwd() == null ? null : g.cwd().text("cwd");
        g.items().sort((a, b) -> Long.compare(a.index(), b.index()));

        Operation op = operation(name, syscall, g, cwd, exe);
        String path = op.path();
        String newPath = op.newPath();
        boolean translateNewPath = op.translateNewPath();
        String cmdline = op.cmdline();
        AuditRecord proctitle = g.proctitle();
        if (path == null || path.isEmpty()) {
            counts.withoutPath++;
            return null;
        }
        if (cmdline == null && proctitle != null) {
            cmdline = proctitle(proctitle);
        }
        AuditContainerMap.Resolved where = containers.resolve(keys, path,
                translateNewPath ? newPath : null);
        if (where.containerId().equals(AuditContainerMap.HOST)) {
            counts.hostEvents++;
            if (!keys.isEmpty()) {
                counts.unmappedKeys++;
            }
        }
        String node = records.get(0).node() != null ? records.get(0).node() : defaultNode;
        return FileEvent.newBuilder()
                .setEventId("audit-" + (node == null ? "" : node + "-") + stamp)
                .setTimestamp(records.get(0).timeMillis())
                .setNode(node)
                .setContainerId(where.containerId())
                .setType(op.type())
                .setPath(where.path())
                .setNewPath(translateNewPath ? where.newPath() : newPath)
                .setMode(op.mode())
                .setUid(uid)
                .setGid(gid)
                .setPid(pidValue)
                .setPpid(ppid == null ? null : pid(ppid, "ppid"))
                .setProcessName(comm)
                .setExe(op.exe())
                .setCmdline(cmdline)
                .setParentProcessName(null)
                .setLoginUid(auid == null || auid == UNSET_ID || auid == -1 ? null : auid)
                .setPreviousMode(op.previousMode())
                .setSource(SOURCE)
                .build();
    }


    /** Sorts one event's records by type. */
    private static Gathered gather(List<AuditRecord> records) throws MalformedAuditException {
        AuditRecord syscall = null;
        AuditRecord cwdRecord = null;
        AuditRecord proctitle = null;
        AuditRecord openat2 = null;
        Map<String, String> execve = new LinkedHashMap<>();
        boolean hasExecve = false;
        List<Item> items = new ArrayList<>();
        for (AuditRecord record : records) {
            switch (record.type()) {
                case "SYSCALL" -> {
                    if (syscall == null) {
                        syscall = record;
                    }
                }
                case "CWD" -> cwdRecord = cwdRecord == null ? record : cwdRecord;
                case "PROCTITLE" -> proctitle = proctitle == null ? record : proctitle;
                case "OPENAT2" -> openat2 = openat2 == null ? record : openat2;
                case "EXECVE" -> {
                    hasExecve = true;
                    record.fields().forEach((k, v) -> {
                        if (v != null) {
                            execve.putIfAbsent(k, v);
                        }
                    });
                }
                case "PATH" -> {
                    Long index = record.number("item");
                    if (index == null) {
                        throw new MalformedAuditException("PATH record without 'item'");
                    }
                    Long mode = record.octal("mode");
                    items.add(new Item(index, record.text("name"), record.raw("nametype"), mode));
                }
                default -> {
                }
            }
        }
        return new Gathered(syscall, cwdRecord, proctitle, openat2, execve, hasExecve, items);
    }

    /** The syscall's name when it is one this adapter maps and it succeeded; else null, counted (or malformed). */
    private String syscallName(Gathered g, String stamp) throws MalformedAuditException {
        AuditRecord syscall = g.syscall();
        if (syscall == null) {
            if (g.hasMoreThanSyscall()) {
                throw new MalformedAuditException("records of event " + stamp + " without its SYSCALL record");
            }
            counts.otherEvents++;
            return null;
        }
        Long arch = syscall.hexNumber("arch");
        Long number = syscall.number("syscall");
        if (arch == null || number == null) {
            throw new MalformedAuditException("SYSCALL record without 'arch' or 'syscall'");
        }
        String name = syscall.interpreted("SYSCALL");
        if (name == null) {
            name = Syscalls.name(arch, number);
        }
        if (name == null || !handled(name)) {
            counts.otherSyscalls++;
            return null;
        }
        String success = syscall.raw("success");
        if (success == null) {
            throw new MalformedAuditException("SYSCALL record without 'success'");
        }
        if (success.equals("no")) {
            counts.failed++;
            return null;
        }
        if (!success.equals("yes")) {
            throw new MalformedAuditException("'success' is neither yes nor no: '" + AuditRecord.clip(success) + "'");
        }
        return name;
    }

    /** Which path one syscall touched and how, from its arguments and PATH records. */
    private static Operation operation(String name, AuditRecord syscall, Gathered g, String cwd, String exeOfProcess)
            throws MalformedAuditException {
        AuditRecord openat2 = g.openat2();
        List<Item> items = g.items();
        boolean hasExecve = g.hasExecve();
        Map<String, String> execve = g.execve();
        String exe = exeOfProcess;
        EventType type;
        String path;
        String newPath = null;
        Integer mode = null;
        Integer previousMode = null;
        String cmdline = null;
        boolean translateNewPath = true;
        switch (name) {
            case "open", "openat", "openat2", "creat" -> {
                boolean relativeToCwd = !name.startsWith("openat") || atCwd(syscall, "a0");
                Long flags = switch (name) {
                    case "open" -> syscall.hexNumber("a1");
                    case "openat" -> syscall.hexNumber("a2");
                    case "creat" -> O_CREAT_WRONLY_TRUNC;
                    default -> openat2 == null ? null : openat2.octal("oflag");
                };
                Item created = item(items, "CREATE");
                if (created != null) {
                    type = EventType.CREATE;
                    path = resolve(created.name(), cwd, relativeToCwd);
                    mode = permissions(created.mode());
                } else {
                    Item target = target(items);
                    path = target == null ? null : resolve(target.name(), cwd, relativeToCwd);
                    if (truncates(flags, target)) {
                        type = EventType.TRUNCATE; // : > log, cp over a file: the existing content is gone
                    } else {
                        type = flags != null && (flags & O_ACCMODE) != 0 ? EventType.OPEN_WRITE : EventType.OPEN_READ;
                    }
                }
            }
            case "unlink", "unlinkat", "rmdir" -> {
                boolean relativeToCwd = !name.equals("unlinkat") || atCwd(syscall, "a0");
                Long flags = name.equals("unlinkat") ? syscall.hexNumber("a2") : null;
                type = name.equals("rmdir") || (flags != null && (flags & AT_REMOVEDIR) != 0) ? EventType.RMDIR
                        : EventType.DELETE;
                Item deleted = first(item(items, "DELETE"), target(items));
                path = deleted == null ? null : resolve(deleted.name(), cwd, relativeToCwd);
            }
            case "rename", "renameat", "renameat2" -> {
                boolean oldAtCwd = name.equals("rename") || atCwd(syscall, "a0");
                boolean newAtCwd = name.equals("rename") || atCwd(syscall, "a2");
                Item from = item(items, "DELETE");
                Item to = last(items, "CREATE");
                if (from == null || to == null) {
                    List<Item> named = named(items);
                    if (named.size() < 2) {
                        throw new MalformedAuditException(name + " without its old and new names (PATH records)");
                    }
                    from = named.get(0);
                    to = named.get(named.size() - 1);
                }
                type = EventType.RENAME;
                path = resolve(from.name(), cwd, oldAtCwd);
                newPath = resolve(to.name(), cwd, newAtCwd);
                if (newPath == null) {
                    throw new MalformedAuditException(name + " without its new name");
                }
            }
            case "mkdir", "mkdirat" -> {
                boolean relativeToCwd = name.equals("mkdir") || atCwd(syscall, "a0");
                Item created = first(item(items, "CREATE"), target(items));
                type = EventType.MKDIR;
                path = created == null ? null : resolve(created.name(), cwd, relativeToCwd);
                mode = created != null && created.mode() != null ? permissions(created.mode())
                        : permissions(syscall.hexNumber(name.equals("mkdir") ? "a1" : "a2"));
            }
            case "chmod", "fchmod", "fchmodat", "fchmodat2" -> {
                boolean relativeToCwd = !name.startsWith("fchmodat") || atCwd(syscall, "a0");
                Item target = target(items);
                type = EventType.CHMOD;
                path = target == null ? null : resolve(target.name(), cwd, relativeToCwd);
                mode = permissions(syscall.hexNumber(name.startsWith("fchmodat") ? "a2" : "a1"));
                previousMode = target == null ? null : permissions(target.mode());
            }
            case "chown", "fchown", "lchown", "fchownat" -> {
                boolean relativeToCwd = !name.equals("fchownat") || atCwd(syscall, "a0");
                Item target = target(items);
                type = EventType.CHOWN;
                path = target == null ? null : resolve(target.name(), cwd, relativeToCwd);
            }
            case "truncate", "ftruncate" -> {
                Item target = target(items);
                type = EventType.TRUNCATE;
                path = target == null ? null : resolve(target.name(), cwd, true);
            }
            case "link", "linkat" -> {
                boolean oldAtCwd = name.equals("link") || atCwd(syscall, "a0");
                boolean newAtCwd = name.equals("link") || atCwd(syscall, "a2");
                Item created = item(items, "CREATE");
                Item existing = null;
                for (Item item : named(items)) {
                    if (item != created) {
                        existing = item;
                        break;
                    }
                }
                type = EventType.LINK;
                path = created == null ? null : resolve(created.name(), cwd, newAtCwd);
                newPath = existing == null ? null : resolve(existing.name(), cwd, oldAtCwd);
            }
            case "symlink", "symlinkat" -> {
                boolean relativeToCwd = name.equals("symlink") || atCwd(syscall, "a1");
                Item created = item(items, "CREATE");
                Item target = null;
                for (Item item : named(items)) {
                    if (item != created) {
                        target = item;
                        break;
                    }
                }
                type = EventType.SYMLINK;
                path = created == null ? null : resolve(created.name(), cwd, relativeToCwd);
                newPath = target == null ? null : target.name(); // the link's content, as written
                translateNewPath = false;
            }
            case "mknod", "mknodat" -> {
                boolean relativeToCwd = name.equals("mknod") || atCwd(syscall, "a0");
                Item created = first(item(items, "CREATE"), target(items));
                type = EventType.CREATE;
                path = created == null ? null : resolve(created.name(), cwd, relativeToCwd);
                mode = created == null ? null : permissions(created.mode());
            }
            case "execve", "execveat" -> {
                boolean relativeToCwd = name.equals("execve") || atCwd(syscall, "a0");
                Item program = items.isEmpty() ? null : items.get(0);
                path = program == null ? null : resolve(program.name(), cwd, relativeToCwd);
                if (path == null || path.isEmpty() || PROC_EXE.matcher(path).matches() || !path.startsWith("/")) {
                    path = exe != null && exe.startsWith("/") ? exe : path; // busybox re-executes /proc/self/exe
                }
                type = EventType.EXEC;
                exe = path;
                cmdline = hasExecve ? arguments(execve) : null;
            }
            default -> throw new IllegalStateException("unmapped syscall " + name);
        }
        return new Operation(type, path, newPath, mode, previousMode, cmdline, exe, translateNewPath);
    }

    /**
     * A successful open with O_TRUNC of a file that existed (no CREATE item) emptied it, whatever the access mode
     * (Linux truncates on O_RDONLY|O_TRUNC too). Not for a device, FIFO or socket ({@code > /dev/null}), where
     * O_TRUNC does nothing; a file whose PATH record has no mode is taken as a regular file.
     */
    private static boolean truncates(Long flags, Item target) {
        if (flags == null || (flags & O_TRUNC) == 0 || target == null) {
            return false;
        }
        return target.mode() == null || (target.mode() & S_IFMT) == S_IFREG;
    }

    private static boolean handled(String syscall) {
        return switch (syscall) {
            case "open", "openat", "openat2", "creat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
                 "mkdir", "mkdirat", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                 "truncate", "ftruncate", "link", "linkat", "symlink", "symlinkat", "mknod", "mknodat", "execve",
                 "execveat" -> true;
            default -> false;
        };
    }

    private static Integer pid(long value, String field) throws MalformedAuditException {
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw new MalformedAuditException("'" + field + "' out of range: " + value);
        }
        return (int) value;
    }

    private static <T> T first(T a, T b) {
        return a != null ? a : b;
    }

    private static List<String> keys(String key) {
        if (key == null || key.isEmpty()) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (String k : key.split("\u0001")) {
            if (!k.isEmpty()) {
                keys.add(k);
            }
        }
        return keys;
    }

    /** Whether a dirfd argument is AT_FDCWD (names relative to it are relative to the working directory). */
    private static boolean atCwd(AuditRecord syscall, String arg) throws MalformedAuditException {
        Long dirfd = syscall.hexNumber(arg);
        return dirfd == null || (dirfd & 0xffffffffL) == AT_FDCWD;
    }

    private static Integer permissions(Long mode) {
        return mode == null ? null : (int) (mode & 07777);
    }

    private static Item item(List<Item> items, String nametype) {
        for (Item item : items) {
            if (nametype.equals(item.nametype()) && item.name() != null) {
                return item;
            }
        }
        return null;
    }

    private static Item last(List<Item> items, String nametype) {
        Item found = null;
        for (Item item : items) {
            if (nametype.equals(item.nametype()) && item.name() != null) {
                found = item;
            }
        }
        return found;
    }

    /** Items with a name that are not the parent directory. */
    private static List<Item> named(List<Item> items) {
        List<Item> named = new ArrayList<>();
        for (Item item : items) {
            if (item.name() != null && !"PARENT".equals(item.nametype())) {
                named.add(item);
            }
        }
        return named;
    }

    /** The object of a one-path syscall: the last named item that is not the parent. */
    private static Item target(List<Item> items) {
        List<Item> named = named(items);
        return named.isEmpty() ? null : named.get(named.size() - 1);
    }

    /** Absolute names as they are; relative ones against the working directory when the call was relative to it. */
    static String resolve(String name, String cwd, boolean relativeToCwd) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        if (name.startsWith("/")) {
            return normalize(name);
        }
        if (relativeToCwd && cwd != null && cwd.startsWith("/")) {
            return normalize(cwd + "/" + name);
        }
        return name; // relative to a directory fd: the log does not say which directory
    }

    static String normalize(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            parts.add(part);
        }
        return "/" + String.join("/", parts);
    }

    /** EXECVE's arguments (a0..aN, or aN[i] pieces of a long one), decoded and joined by spaces. */
    private static String arguments(Map<String, String> fields) throws MalformedAuditException {
        String argcText = fields.get("argc");
        long argc;
        try {
            argc = argcText == null ? MAX_ARGS : Long.parseLong(argcText);
        } catch (NumberFormatException e) {
            throw new MalformedAuditException("EXECVE 'argc' is not a number: '" + AuditRecord.clip(argcText) + "'");
        }
        StringBuilder cmdline = new StringBuilder();
        for (int i = 0; i < Math.min(argc, MAX_ARGS); i++) {
            String whole = fields.get("a" + i);
            String arg;
            if (whole != null) {
                arg = AuditRecord.decodeText("a" + i, whole);
            } else if (fields.containsKey("a" + i + "_len")) {
                StringBuilder pieces = new StringBuilder();
                for (int piece = 0; piece < MAX_ARGS; piece++) {
                    String value = fields.get("a" + i + "[" + piece + "]");
                    if (value == null) {
                        break;
                    }
                    String decoded = AuditRecord.decodeText("a" + i + "[" + piece + "]", value);
                    pieces.append(decoded == null ? "" : decoded);
                }
                arg = pieces.toString();
            } else {
                break; // the rest was not logged (argc from a record that was cut, or a missing record)
            }
            if (cmdline.length() > 0) {
                cmdline.append(' ');
            }
            cmdline.append(arg == null ? "" : arg);
        }
        return cmdline.length() == 0 ? null : cmdline.toString();
    }

    /** The process title: NUL-separated arguments (the kernel logs at most 128 bytes of it). */
    private static String proctitle(AuditRecord record) throws MalformedAuditException {
        byte[] bytes = record.bytes("proctitle");
        if (bytes == null) {
            return null;
        }
        // NUL-separated arguments, each as byte-exact text (FieldText), joined with spaces.
        StringBuilder joined = new StringBuilder();
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == 0) {
                if (i > start) {
                    joined.append(joined.length() == 0 ? "" : " ")
                            .append(io.driftwatch.schemas.text.FieldText.fromKernelBytes(bytes, start, i - start));
                }
                start = i + 1;
            }
        }
        String title = joined.toString().strip();
        return title.isEmpty() ? null : title;
    }

    /** One line of totals. */
    public String summary() {
        Counts c = counts;
        StringBuilder types = new StringBuilder();
        c.byType.forEach((type, n) -> types.append(types.length() == 0 ? "" : ", ").append(n).append(' ').append(type));
        return String.format("%d lines, %d records, %d events: %d file events (%s), %d to host; skipped: %d other "
                        + "syscalls, %d other events, %d failed syscalls, %d without a path; %d malformed (%d lines, %d events)%s",
                c.lines, c.records, c.events, c.fileEvents, types.length() == 0 ? "none" : types, c.hostEvents,
                c.otherSyscalls, c.otherEvents, c.failed, c.withoutPath, c.malformed(), c.malformedLines,
                c.malformedEvents,
                c.unmappedKeys > 0 ? "; warning: " + c.unmappedKeys + " events had an audit key that maps to no container"
                        + " (--audit-key), sent as host events" : "");
    }
}
