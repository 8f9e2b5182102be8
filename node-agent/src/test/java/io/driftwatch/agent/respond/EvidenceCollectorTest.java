package io.driftwatch.agent.respond;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.Enrichment;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvidenceCollectorTest {
    @TempDir
    Path tmp;

    private static EnrichedEvent written(String path) {
        FileEvent f = FileEvent.newBuilder().setEventId("e-" + path).setTimestamp(1_000L).setContainerId("c1")
                .setType(EventType.MODIFY).setPath(path).setSource("test").build();
        return EnrichedEvent.newBuilder().setEvent(f).setEnrichment(Enrichment.COMPLETE).build();
    }

    @Test
    void anEventPathThroughASymlinkedDirectoryIsNotFollowedOutOfTheRoot() throws Exception {
        Path host = Files.createDirectories(tmp.resolve("host-etc"));
        Files.writeString(host.resolve("shadow"), "host secret\n");
        Path rootfs = Files.createDirectories(tmp.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.writeString(rootfs.resolve("tmp/payload"), "#!/bin/sh\necho pwned\n");
        Files.createSymbolicLink(rootfs.resolve("tmp/escape"), host); // as `ln -s / /tmp/escape` would, seen from the host

        var collector = new EvidenceCollector(tmp.resolve("evidence"), Path.of("/proc"), 100, 1 << 20);
        var command = ResponseCommand.newBuilder().setCommandId("cmd-1").setAlertId("a1")
                .setAction(ResponseAction.SNAPSHOT_EVIDENCE).setNode("node-a").setContainerId("c1").setIssuedAt(1L)
                .setExpiresAt(2L).build();
        var bundle = collector.collect(CommandHandlerTest.container("c1", "shop", rootfs, Map.of()), command,
                List.of(written("/tmp/escape/shadow"), written("/tmp/payload")), null);

        assertEquals(List.of(), EvidenceCollector.verify(bundle.dir()));
        assertTrue(Files.exists(bundle.dir().resolve("files/tmp/payload")));
        assertFalse(Files.exists(bundle.dir().resolve("files/tmp/escape/shadow")), "a host file copied as the container's");
        try (var walk = Files.walk(bundle.dir())) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(p)) {
                    assertFalse(Files.readString(p).contains("host secret"), p + " holds the host file");
                }
            }
        }
        String manifest = Files.readString(bundle.dir().resolve("manifest.json"));
        assertTrue(manifest.contains("/tmp/escape/shadow") && manifest.contains("leads out of the container's root"), manifest);
    }
}
