package io.driftwatch.scanner.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.testing.TestImages;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselinesTest {

    @Test
    void theBaselineIsTheFinalFilesystemSortedByPathWithLayerDigests(@TempDir Path dir) throws Exception {
        TestImages.Written img = TestImages.layout(dir).tag("1")
                .layer(l -> l.file("/z", "z", 0644).dir("/a", 0755).file("/a/gone", "g", 0644).charDevice("/dev/null", 1, 3, 0666)
                        .fifo("/p", 0600).symlink("/l", "z").hardlink("/h", "/z"))
                .layer(l -> l.whiteout("/a/gone").owner(5, 6).setuid("/a/su", "su".getBytes()))
                .write();
        ImageScan scan = ImageReaders.standard().read(img.reference(), ReadOptions.defaults(), null);
        ImageBaseline b = Baselines.of(scan, 1234L, "0.1.0");

        assertEquals(img.digest(), b.getImageDigest());
        assertEquals(img.reference(), b.getImage());
        assertEquals(1234L, b.getScannedAt());
        assertEquals("0.1.0", b.getScanner());
        assertEquals(img.layerDigests(), b.getLayers());
        assertEquals(List.of("/", "/a", "/a/su", "/dev", "/dev/null", "/h", "/l", "/p", "/z"),
                b.getFiles().stream().map(ImageFile::getPath).toList());
        ImageFile su = b.getFiles().get(2);
        assertEquals(ImageFileKind.FILE, su.getKind());
        assertEquals(04755, su.getMode());
        assertEquals(0L, su.getUid(), "setuid() writes root-owned files");
        assertEquals(1, su.getLayer());
        assertEquals(TestImages.hex("su".getBytes()), su.getSha256());
        assertEquals(ImageFileKind.OTHER, b.getFiles().get(4).getKind());
        assertEquals(ImageFileKind.OTHER, b.getFiles().get(7).getKind());
        ImageFile h = b.getFiles().get(5);
        assertEquals(ImageFileKind.HARDLINK, h.getKind());
        assertEquals("/z", h.getLinkTarget());
        assertEquals(TestImages.hex("z".getBytes()), h.getSha256());
        ImageFile l = b.getFiles().get(6);
        assertEquals(ImageFileKind.SYMLINK, l.getKind());
        assertEquals("z", l.getLinkTarget());
        assertNull(l.getSha256());
    }
}
