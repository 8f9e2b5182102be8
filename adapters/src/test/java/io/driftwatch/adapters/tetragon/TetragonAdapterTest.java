package io.driftwatch.adapters.tetragon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Tetragon adapter over an export in the shapes of Tetragon's documentation (see
 * src/test/resources/adapters/tetragon/README.md: the pod, process and security_file_permission write event are
 * those of the docs' file-access example; the other hooks follow the kernel signatures and Tetragon's argument
 * types).
 */
class TetragonAdapterTest {
    static final Path SAMPLE = Path.of("src/test/resources/adapters/tetragon/file-monitoring.jsonl");
    static final String POD_CONTAINER = "6b742e38ee3a212239e6d48b2954435a407af44b9a354bdf540db22f460ab40e";
    static final String LEDGER = "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef01234567";

    /** Everything an adapter run gave. */
    static final class Collected implements TetragonAdapter.Output {
        final List<FileEvent> events = new ArrayList<>();
        final List<ContainerMetadata> metadata = new ArrayList<>();
        final List<String> malformed = new ArrayList<>();

        @Override
        public void metadata(ContainerMetadata record) {
            metadata.add(record);
        }

        @Override
        public void event(FileEvent event) {
            events.add(event);
        }

        @Override
        public void malformed(long line, String text, MalformedTetragonEventException reason) {
            malformed.add(line + ": " + reason.getMessage());
        }
    }

    static Collected run(List<String> lines) throws Exception {
        Collected out = new Collected();
        TetragonAdapter adapter = new TetragonAdapter(out);
        for (int i = 0; i < lines.size(); i++) {
            adapter.line(i + 1, lines.get(i));
        }
        return out;
    }

    private static FileEvent only(List<FileEvent> events, EventType type, String path) {
        List<FileEvent> found = events.stream().filter(e -> e.getType() == type && e.getPath().equals(path)).toList();
        assertEquals(1, found.size(), type + " " + path + " in " + events);
        return found.get(0);
    }

    @Test
    void fileHooksAndExecsBecomeFileEventsOfTheirContainer() throws Exception {
        List<String> lines = Files.readAllLines(SAMPLE);
        Collected out = new Collected();
        TetragonAdapter adapter = new TetragonAdapter(out);
        for (int i = 0; i < lines.size(); i++) {
            adapter.line(i + 1, lines.get(i));
        }
        assertEquals(List.of(), out.malformed);
        assertEquals(21, out.events.size(), adapter.summary());
        assertEquals(2, adapter.counts().otherEvents.get("process_exit"), adapter.summary());
        assertEquals(1, adapter.counts().otherHooks, "tcp_connect");
        assertEquals(1, adapter.counts().failed, "the refused read (return -13)");

        // The documentation's write: security_file_permission with MAY_WRITE.
        FileEvent write = only(out.events, EventType.MODIFY, "/etc/passwd");
        assertEquals(POD_CONTAINER, write.getContainerId(), "containerd:// stripped");
        assertEquals("tetragon-dev-control-plane", write.getNode());
        assertEquals(1713061094376L, write.getTimestamp());
        assertEquals(64746, write.getPid(), "the host pid");
        assertEquals(64615, write.getPpid());
        assertEquals("vi", write.getProcessName());
        assertEquals("/bin/vi", write.getExe());
        assertEquals("/bin/vi /etc/passwd", write.getCmdline());
        assertEquals("sh", write.getParentProcessName());
        assertEquals(0L, write.getUid());
        assertNull(write.getLoginUid(), "auid 4294967295 is unset");
        assertEquals("tetragon", write.getSource());
        assertTrue(write.getEventId().startsWith("tetragon-"));

        assertEquals(POD_CONTAINER, only(out.events, EventType.OPEN_READ, "/etc/passwd").getContainerId());
        only(out.events, EventType.TRUNCATE, "/etc/passwd");
        only(out.events, EventType.DELETE, "/root/.ash_history");
        assertEquals(0644, only(out.events, EventType.CREATE, "/tmp/kubectl").getMode());
        FileEvent rename = only(out.events, EventType.RENAME, "/tmp/kubectl");
        assertEquals("/usr/bin/kubectl", rename.getNewPath());
        FileEvent chmod = only(out.events, EventType.CHMOD, "/usr/bin/kubectl");
        assertEquals(04755, chmod.getMode());
        assertEquals(0644, chmod.getPreviousMode(), "from the path_arg's permission -rw-r--r--");
        only(out.events, EventType.CHOWN, "/usr/bin/kubectl");
        assertEquals(0700, only(out.events, EventType.MKDIR, "/tmp/.x").getMode());
        only(out.events, EventType.RMDIR, "/tmp/.x");
        assertEquals("/bin/busybox", only(out.events, EventType.SYMLINK, "/tmp/sh").getNewPath());
        assertEquals("/etc/shadow", only(out.events, EventType.LINK, "/tmp/shadow").getNewPath());
        assertEquals("cat", only(out.events, EventType.OPEN_READ, "/etc/shadow").getProcessName(), "fd_install");
        FileEvent exec = only(out.events, EventType.EXEC, "/usr/bin/kubectl");
        assertEquals("/usr/bin/kubectl", exec.getExe());
        assertEquals("/usr/bin/kubectl get secrets -A", exec.getCmdline());
        only(out.events, EventType.EXEC, "/bin/sh");
        only(out.events, EventType.EXEC, "/bin/vi");
        only(out.events, EventType.EXEC, "/bin/rm");
        // Known only by the docker field's 31 characters: the container seen before.
        assertEquals(POD_CONTAINER, only(out.events, EventType.CREATE, "/tmp/x").getContainerId());
        FileEvent host = only(out.events, EventType.MODIFY, "/var/log/auth.log");
        assertEquals("host", host.getContainerId(), "no pod, no docker: a host process");
        assertEquals("systemd", host.getParentProcessName());
        FileEvent lsm = only(out.events, EventType.OPEN_READ, "/app/config/application.yaml");
        assertEquals(LEDGER, lsm.getContainerId());
        assertEquals(1000L, lsm.getUid());
        assertEquals(49999, lsm.getPpid());
    }

    @Test
    void eachContainerGivesMetadataWhenFirstSeenAndWhenItChanges() throws Exception {
        Collected out = run(Files.readAllLines(SAMPLE));
        assertEquals(3, out.metadata.size(), out.metadata.toString());
        ContainerMetadata pod = out.metadata.get(0);
        assertEquals(POD_CONTAINER, pod.getContainerId());
        assertEquals("containerd", pod.getRuntime());
        assertEquals("file-access", pod.getContainerName());
        assertEquals("file-access", pod.getPodName());
        assertEquals("default", pod.getNamespace());
        assertEquals("docker.io/library/busybox:latest", pod.getImage());
        assertEquals("sha256:c3839dd800b9eb7603340509769c43e146a74c63dca3045a8e7dc8ee07e53966", pod.getImageDigest());
        assertEquals(Map.of("run", "file-access"), pod.getLabels());
        assertEquals(1713061066000L, pod.getStartedAt());
        assertEquals(64615, pod.getInitPid(), "/bin/sh is pid 1 in the container: its host pid is the init pid");
        assertNull(pod.getStoppedAt());
        assertEquals("tetragon-dev-control-plane", pod.getNode());
        assertFalse(pod.getPrivileged());

        ContainerMetadata ledger = out.metadata.get(1);
        assertEquals(LEDGER, ledger.getContainerId());
        assertEquals("cri-o", ledger.getRuntime());
        assertEquals("payments", ledger.getNamespace());
        assertEquals("0f3e8a3c-2b7d-4f7e-9a51-3c2d1e0f4a5b", ledger.getPodUid());
        assertTrue(ledger.getPrivileged());
        assertEquals(50001, ledger.getInitPid());

        ContainerMetadata stopped = out.metadata.get(2);
        assertEquals(POD_CONTAINER, stopped.getContainerId());
        assertEquals(1713061140000L, stopped.getStoppedAt(), "the exit of its pid 1");
        assertEquals(pod.getStartedAt(), stopped.getStartedAt());
    }

    @Test
    void malformedLinesAreReportedWithTheirReasonAndOtherLinesGoOn() throws Exception {
        List<String> sample = Files.readAllLines(SAMPLE);
        String write = sample.get(3);
        List<String> lines = List.of(
                "{\"process_kprobe\":{\"process\":",                                       // 1 truncated
                "[1,2,3]",                                                                   // 2
                "{\"node_name\":\"n1\",\"time\":\"2024-04-14T02:18:14Z\"}",                   // 3 no event
                write.replaceAll(",\"time\":\"[^\"]*\"", ""),                                 // 4 no time
                write.replace("2024-04-14T02:18:14.376304204Z", "yesterday"),                // 5
                write.replace(",{\"int_arg\":2}", ""),                                       // 6 no mask
                write.replace("\"args\":[", "\"argz\":["),                                   // 7 no args
                write.replace("\"pid\":64746", "\"pid\":\"many\""),                          // 8
                "",                                                                          // blank: nothing
                write,                                                                       // 10 good
                sample.get(5));                                                              // 11 process_exit: skipped
        Collected out = run(lines);
        assertEquals(1, out.events.size());
        assertEquals(8, out.malformed.size(), out.malformed.toString());
        assertTrue(out.malformed.get(0).startsWith("1: not valid JSON"), out.malformed.get(0));
        assertEquals("2: not a JSON object", out.malformed.get(1));
        assertTrue(out.malformed.get(2).startsWith("3: not a Tetragon event"), out.malformed.get(2));
        assertEquals("4: process_kprobe without 'time'", out.malformed.get(3));
        assertEquals("5: 'time' is not an RFC 3339 time: 'yesterday'", out.malformed.get(4));
        assertEquals("6: security_file_permission without its access mask (int_arg)", out.malformed.get(5));
        assertEquals("7: security_file_permission without an 'args' array", out.malformed.get(6));
        assertEquals("8: 'process.pid' is not an integer: 'many'", out.malformed.get(7));
    }

    @Test
    void permissionStringsAndHookNames() {
        assertEquals(0644, TetragonEventParser.permission("-rw-r--r--"));
        assertEquals(04755, TetragonEventParser.permission("-rwsr-xr-x"));
        assertEquals(02640, TetragonEventParser.permission("-rw-r-S---"));
        assertEquals(01777, TetragonEventParser.permission("drwxrwxrwt"));
        assertNull(TetragonEventParser.permission("-rw-r--r-"));
        assertNull(TetragonEventParser.permission("-rwtr--r--"));
        assertEquals("file_open", TetragonEventParser.hook("security_file_open"));
        assertEquals("file_open", TetragonEventParser.hook("bpf_lsm_file_open"));
        assertEquals("file_open", TetragonEventParser.hook("file_open"));
        assertNull(TetragonEventParser.hook("tcp_connect"));
        assertNull(TetragonEventParser.hook("__x64_sys_openat"));
    }
}
