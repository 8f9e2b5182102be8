package io.driftwatch.app.topology;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image baselines through the real topology: the global store, the cache, the drift rules and the missing count. */
class ImageDriftTopologyTest {
    private static final long T0 = Fixtures.T0;
    private static final String IMAGE_A = "sha256:" + "a".repeat(64);
    private static final String IMAGE_B = "sha256:" + "b".repeat(64);
    private static final String SHA = "ab".repeat(32);

    @TempDir
    Path stateDir;

    private static ImageFile file(String path, ImageFileKind kind, int mode, String sha) {
        return ImageFile.newBuilder().setPath(path).setKind(kind).setMode(mode).setUid(0).setGid(0).setSize(1)
                .setSha256(sha).setLinkTarget(null).setLayer(0).build();
    }

    private static ImageBaseline baseline(String digest, String... extraFiles) {
        List<ImageFile> files = new ArrayList<>(List.of(
                file("/usr", ImageFileKind.DIR, 0755, null),
                file("/usr/bin", ImageFileKind.DIR, 0755, null),
                file("/usr/bin/busybox", ImageFileKind.FILE, 0755, SHA),
                file("/tmp", ImageFileKind.DIR, 01777, null)));
        for (String extra : extraFiles) {
            files.add(file(extra, ImageFileKind.FILE, 0755, SHA));
        }
        return ImageBaseline.newBuilder().setImageDigest(digest).setImage("oci:/images/app:1").setScannedAt(T0 - 86_400_000L)
                .setScanner("0.1.0").setLayers(List.of("sha256:" + "1".repeat(64))).setFiles(files).build();
    }

    private static ContainerMetadata container(String id, String digest) {
        ContainerMetadata container = Fixtures.container(id, T0 - 60_000);
        container.setImageDigest(digest);
        return container;
    }

    private static FileEvent exec(String id, String containerId, long time, String path) {
        FileEvent event = Fixtures.event(id, containerId, time, EventType.EXEC, path, 100, 1, path.substring(
                path.lastIndexOf('/') + 1));
        event.setExe(path);
        return event;
    }

    private static List<String> ruleIds(List<Alert> alerts, String ruleId) {
        return alerts.stream().filter(a -> a.getRuleId().equals(ruleId)).map(a -> a.getEventIds().get(0)).toList();
    }

    @Test
    void aBaselinePublishedBeforeTheEventsMakesDriftAndTheImagesProgramsStayQuiet() {
        try (TestPipeline pipeline = new TestPipeline(stateDir, Map.of(), T0)) {
            ImageBaseline image = baseline(IMAGE_A);
            pipeline.pipe(image, T0 - 120_000);
            pipeline.pipe(container("c1", IMAGE_A), T0 - 60_000);
            pipeline.pipe(exec("own", "c1", T0, "/usr/bin/busybox"));
            pipeline.pipe(exec("dropped", "c1", T0 + 1000, "/tmp/xmrig"));
            pipeline.pipe(exec("planted", "c1", T0 + 2000, "/usr/bin/nc"));

            List<Alert> alerts = pipeline.alerts.readValuesToList();
            assertEquals(List.of("dropped", "planted"), ruleIds(alerts, "DW-FIM-100"));
            Alert alert = alerts.stream().filter(a -> a.getRuleId().equals("DW-FIM-100")).findFirst().orElseThrow();
            assertEquals("c1", alert.getContainerId());
            assertTrue(alert.getMessage().contains(IMAGE_A), alert.getMessage());
            assertEquals(0, pipeline.counters.imageBaselinesMissingCount());

            KeyValueStore<String, byte[]> store = pipeline.driver.getKeyValueStore(StoreNames.IMAGE_BASELINES);
            byte[] stored = store.get(IMAGE_A);
            assertNotNull(stored, "the global store holds the baseline under its digest");
            assertEquals(image, pipeline.topics.imageBaselineSerde().deserializer()
                    .deserialize(pipeline.topics.imageBaselines.name(), stored));
        }
    }

    @Test
    void anImageWithoutBaselineIsCountedOnceAndRaisesNoDrift() {
        try (TestPipeline pipeline = new TestPipeline(stateDir, Map.of(), T0)) {
            pipeline.pipe(baseline(IMAGE_A), T0 - 120_000);
            pipeline.pipe(container("c1", IMAGE_B), T0 - 60_000);
            pipeline.pipe(container("c2", IMAGE_B), T0 - 60_000);
            pipeline.pipe(container("c3", null), T0 - 60_000);
            pipeline.pipe(exec("e1", "c1", T0, "/tmp/a"));
            pipeline.pipe(exec("e2", "c2", T0 + 1000, "/tmp/b"));
            pipeline.pipe(exec("e3", "c1", T0 + 2000, "/tmp/c"));
            pipeline.pipe(exec("e4", "c3", T0 + 3000, "/tmp/d"));

            List<Alert> alerts = pipeline.alerts.readValuesToList();
            assertEquals(List.of(), ruleIds(alerts, "DW-FIM-100"));
            assertEquals(1, pipeline.counters.imageBaselinesMissingCount(),
                    "image B once, however many of its containers and events; no digest is not counted");
            assertEquals(1L, pipeline.counters.asMap().get("images.baselines-missing"));
            assertTrue(pipeline.registry.scrape().contains("driftwatch_image_baselines_missing_total 1.0"),
                    "the Prometheus name src/monitoring.md gives");
        }
    }

    @Test
    void aBaselineThatComesChangesOrGoesIsSeenByTheNextEvent() {
        try (TestPipeline pipeline = new TestPipeline(stateDir, Map.of(), T0)) {
            pipeline.pipe(container("c1", IMAGE_B), T0 - 60_000);
            pipeline.pipe(exec("before", "c1", T0, "/tmp/tool"));
            assertEquals(1, pipeline.counters.imageBaselinesMissingCount());

            pipeline.pipe(baseline(IMAGE_B), T0 + 500);
            pipeline.pipe(exec("after", "c1", T0 + 1000, "/tmp/tool2"));
            pipeline.pipe(baseline(IMAGE_B, "/tmp/tool3"), T0 + 1500);
            pipeline.pipe(exec("now-in-image", "c1", T0 + 2000, "/tmp/tool3"));
            pipeline.imageBaselines.pipeInput(IMAGE_B, (byte[]) null, T0 + 2500);
            assertNull(pipeline.driver.<String, byte[]>getKeyValueStore(StoreNames.IMAGE_BASELINES).get(IMAGE_B),
                    "a tombstone deletes the baseline");
            pipeline.pipe(exec("gone", "c1", T0 + 3000, "/tmp/tool4"));

            assertEquals(List.of("after"), ruleIds(pipeline.alerts.readValuesToList(), "DW-FIM-100"));
            assertEquals(2, pipeline.counters.imageBaselinesMissingCount(),
                    "reported again once the baseline that came has gone");
        }
    }

    @Test
    void aRecordThatIsNotTheBaselineOfItsKeyStaysOutOfTheStore() {
        try (TestPipeline pipeline = new TestPipeline(stateDir, Map.of(), T0)) {
            byte[] other = pipeline.topics.imageBaselineSerde().serializer()
                    .serialize(pipeline.topics.imageBaselines.name(), baseline(IMAGE_A));
            pipeline.imageBaselines.pipeInput(IMAGE_B, other, T0);
            pipeline.imageBaselines.pipeInput(IMAGE_A, new byte[] {1, 2, 3}, T0);
            KeyValueStore<String, byte[]> store = pipeline.driver.getKeyValueStore(StoreNames.IMAGE_BASELINES);
            assertNull(store.get(IMAGE_B), "keyed by another image's digest");
            assertNull(store.get(IMAGE_A), "not Avro");
            pipeline.pipe(container("c1", IMAGE_A), T0 - 60_000);
            pipeline.pipe(exec("e1", "c1", T0, "/tmp/x"));
            assertEquals(List.of(), ruleIds(pipeline.alerts.readValuesToList(), "DW-FIM-100"));
            pipeline.imageBaselines.pipeInput(IMAGE_A, other, T0 + 10);
            assertArrayEquals(other, store.get(IMAGE_A));
        }
    }
}
