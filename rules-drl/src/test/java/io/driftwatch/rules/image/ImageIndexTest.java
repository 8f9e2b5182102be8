package io.driftwatch.rules.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

public class ImageIndexTest {
  public static final String DIGEST = "sha256:" + "d".repeat(64);
  public static final String BUSYBOX = "ab".repeat(32);

  static ImageFile file(String path, ImageFileKind kind, int mode, long uid, String sha, String target) {
    return ImageFile.newBuilder().setPath(path).setKind(kind).setMode(mode).setUid(uid).setGid(uid).setSize(0)
        .setSha256(sha).setLinkTarget(target).setLayer(0).build();
  }

  public static ImageBaseline image() {
    List<ImageFile> files = new ArrayList<>(List.of(
        file("/bin", ImageFileKind.SYMLINK, 0777, 0, null, "usr/bin"),
        file("/usr", ImageFileKind.DIR, 0755, 0, null, null),
        file("/usr/bin", ImageFileKind.DIR, 0755, 0, null, null),
        file("/usr/bin/busybox", ImageFileKind.FILE, 0755, 0, BUSYBOX, null),
        file("/usr/bin/sh", ImageFileKind.SYMLINK, 0777, 0, null, "busybox"),
        file("/usr/bin/ash", ImageFileKind.SYMLINK, 0777, 0, null, "/usr/bin/../bin/./busybox"),
        file("/usr/bin/ln2", ImageFileKind.HARDLINK, 0755, 0, BUSYBOX, "/usr/bin/busybox"),
        file("/loop1", ImageFileKind.SYMLINK, 0777, 0, null, "loop2"),
        file("/loop2", ImageFileKind.SYMLINK, 0777, 0, null, "/loop1"),
        file("/dangling", ImageFileKind.SYMLINK, 0777, 0, null, "/nowhere"),
        file("/tmp", ImageFileKind.DIR, 01777, 0, null, null),
        file("/app", ImageFileKind.DIR, 0755, 1000, null, null),
        file("/opt", ImageFileKind.DIR, 0775, 0, null, null),
        file("/etc", ImageFileKind.DIR, 0757, 0, null, null)));
    return ImageBaseline.newBuilder().setImageDigest(DIGEST).setImage("test").setScannedAt(1).setScanner("t")
        .setLayers(List.of("sha256:1")).setFiles(files).build();
  }

  private static ImageFileFact at(String path) {
    return ImageFileFact.of(ImageBaselines.of(List.of(image())), DIGEST, path);
  }

  @Test
  void resolvesPathsThroughTheImagesSymbolicLinks() {
    ImageIndex index = ImageIndex.of(image());
    assertEquals("/usr/bin/busybox", index.walk("/bin/sh"), "a directory link, then a relative file link");
    assertEquals("/usr/bin/busybox", index.walk("/usr/bin/ash"), "an absolute link with .. and .");
    assertEquals("/usr/bin", index.walk("/bin"));
    assertEquals("/", index.walk("/usr/.."));
    assertNull(index.walk("/loop1"), "a loop ends after " + ImageIndex.MAX_LINKS + " links");
    assertNull(index.walk("/dangling"));
    assertNull(index.walk("/usr/bin/nc"));
    assertNull(index.walk("/nowhere/x"));
    assertEquals(14, index.size());
  }

  @Test
  void describesAPathAgainstTheImage() {
    ImageFileFact sh = at("/bin/sh");
    assertTrue(sh.isBaselineKnown());
    assertTrue(sh.isInImage());
    assertEquals("FILE", sh.getKind(), "the link's target");
    assertTrue(sh.isRegularFile());
    assertEquals(BUSYBOX, sh.getImageSha256());
    assertEquals(0755, sh.getImageMode());
    assertEquals(0L, sh.getImageUid());
    assertTrue(sh.isParentDirReadOnly(), "/bin is /usr/bin: root's, 0755");
    assertEquals(0755, sh.getParentDirMode());

    assertTrue(at("/usr/bin/ln2").isRegularFile(), "a hard link is a regular file");
    ImageFileFact nc = at("/usr/bin/nc");
    assertTrue(nc.isBaselineKnown());
    assertFalse(nc.isInImage());
    assertNull(nc.getKind());
    assertNull(nc.getImageMode());
    assertNull(nc.getImageSha256());
    assertTrue(nc.isParentDirInImage());
    assertTrue(nc.isParentDirReadOnly());
    assertFalse(at("/tmp/x").isParentDirReadOnly(), "world-writable");
    assertFalse(at("/app/x").isParentDirReadOnly(), "not root's");
    assertFalse(at("/etc/x").isParentDirReadOnly(), "world-writable without the sticky bit");
    assertTrue(at("/opt/x").isParentDirReadOnly(), "group-writable by root's group still counts");
    assertFalse(at("/srv/x").isParentDirInImage());
    assertFalse(at("/usr/bin/busybox/x").isParentDirInImage(), "a file is no directory");
    assertFalse(at("/dangling").isInImage());
  }

  @Test
  void comparesHashesExactlyAndOnlyWhenBothAreKnown() {
    ImageFileFact busybox = at("/usr/bin/busybox");
    assertFalse(busybox.differsFrom(BUSYBOX));
    assertFalse(busybox.differsFrom(BUSYBOX.toUpperCase()), "hex in either case");
    assertTrue(busybox.differsFrom("cd".repeat(32)));
    assertFalse(busybox.differsFrom(null));
    assertFalse(busybox.differsFrom("not-a-hash"));
    assertFalse(at("/usr/bin").differsFrom("cd".repeat(32)), "a directory has no hash");
    assertFalse(at("/usr/bin/nc").differsFrom("cd".repeat(32)), "not in the image: nothing to differ from");
  }

  @Test
  void anImageWithoutBaselineOrDigestDecidesNothing() {
    ImageFileFact missing = ImageFileFact.of(ImageBaselines.of(List.of(image())), "sha256:other", "/tmp/x");
    assertFalse(missing.isBaselineKnown());
    assertFalse(missing.isInImage());
    assertFalse(missing.isParentDirReadOnly());
    assertEquals("sha256:other", missing.getImageDigest());
    assertSame(ImageFileFact.NO_IMAGE, ImageFileFact.of(ImageBaselines.of(List.of(image())), null, "/tmp/x"));
    assertSame(ImageFileFact.NO_IMAGE, ImageFileFact.of(ImageBaselines.of(List.of(image())), " ", "/tmp/x"));
  }

  @Test
  void looksTheImageUpOnceAndLetsTheIndexGo() {
    AtomicInteger lookups = new AtomicInteger();
    ImageIndex index = ImageIndex.of(image());
    ImageFileFact fact = ImageFileFact.of(digest -> {
      lookups.incrementAndGet();
      return index;
    }, DIGEST, "/usr/bin/busybox");
    fact.isInImage();
    fact.getImageSha256();
    fact.isParentDirReadOnly();
    assertEquals(1, lookups.get());
    assertEquals("ImageFileFact[" + DIGEST + " /usr/bin/busybox: FILE]", fact.toString());
  }
}
