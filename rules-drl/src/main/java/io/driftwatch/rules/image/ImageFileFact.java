package io.driftwatch.rules.image;

import java.util.HexFormat;

/**
 * What the container's image held at an event's path: the drift rules' view of the image baseline, as
 * {@code ClassifiedEvent.image}. For example
 *
 * <pre>
 * ClassifiedEvent( type == EventType.EXEC, image.baselineKnown == true, image.inImage == false )
 * </pre>
 *
 * is "a program the image did not contain was executed". An event whose container has no image digest (metadata
 * missing, the host) and one whose image has no baseline both have {@code baselineKnown == false}: the drift
 * rules make no decision about them.
 *
 * <p>Worked out from the image's index the first time a rule asks (so an event no drift rule looks at costs
 * nothing), then kept; the index itself is let go, so a kept event does not hold a whole image in memory.
 */
public final class ImageFileFact {
  /** An event with no image digest: nothing known. */
  public static final ImageFileFact NO_IMAGE = new ImageFileFact(null, null, null);

  private final String imageDigest;
  private final String path;
  private ImageIndex index;
  private boolean baselineKnown;
  private boolean resolved;
  private ImageIndex.Entry file;
  private ImageIndex.Entry parent;

  private ImageFileFact(String imageDigest, ImageIndex index, String path) {
    this.imageDigest = imageDigest;
    this.index = index;
    this.path = path;
    this.baselineKnown = index != null;
    this.resolved = index == null;
  }

  /**
   * The view of {@code path} in the image {@code imageDigest} (looked up in {@code baselines}, once); {@link #NO_IMAGE}
   * when the digest is null or blank.
   */
  public static ImageFileFact of(ImageBaselines baselines, String imageDigest, String path) {
    if (imageDigest == null || imageDigest.isBlank()) {
      return NO_IMAGE;
    }
    return new ImageFileFact(imageDigest, baselines.find(imageDigest), path);
  }

  /** Looks the path and its directory up, once, and lets the index go. */
  public ImageFileFact resolve() {
    if (!resolved) {
      file = index.resolve(path);
      String directory = parentOf(path);
      parent = directory == null ? null : index.resolve(directory);
      index = null;
      resolved = true;
    }
    return this;
  }

  static String parentOf(String path) {
    if (path == null) {
      return null;
    }
    int slash = path.lastIndexOf('/');
    if (slash < 0 || path.length() == 1) {
      return null;
    }
    return slash == 0 ? "/" : path.substring(0, slash);
  }

  /** The container's image digest, or null when the event has none. */
  public String getImageDigest() {
    return imageDigest;
  }

  /** True when the container's image has a baseline: only then do the other properties say anything. */
  public boolean isBaselineKnown() {
    return baselineKnown;
  }

  /** True when the image held the path (symbolic links of the image followed, as the kernel would). */
  public boolean isInImage() {
    return resolve().file != null;
  }

  /** What the image held there (FILE, DIR, SYMLINK, HARDLINK, OTHER; a link's target's kind), or null. */
  public String getKind() {
    return resolve().file == null ? null : file.kind().name();
  }

  /** True when the image held a regular file there (FILE, or a HARDLINK to one): content the image defines. */
  public boolean isRegularFile() {
    String kind = getKind();
    return "FILE".equals(kind) || "HARDLINK".equals(kind);
  }

  /** Lower-case hex SHA-256 of the image's file, or null (not in the image, not a regular file, not hashed). */
  public String getImageSha256() {
    return resolve().file == null || file.sha256 == null ? null : HexFormat.of().formatHex(file.sha256);
  }

  /**
   * True when both hashes are known and differ: the file executed is not the image's. {@code sha256} is the
   * event's (hex, either case); false when either is unknown.
   */
  public boolean differsFrom(String sha256) {
    if (sha256 == null || resolve().file == null || file.sha256 == null || sha256.length() != 64) {
      return false;
    }
    byte[] seen;
    try {
      seen = HexFormat.of().parseHex(sha256);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return !java.util.Arrays.equals(seen, file.sha256);
  }

  /** The image's permission bits (07777) for the path, or null when not in the image. */
  public Integer getImageMode() {
    return resolve().file == null ? null : file.mode();
  }

  /** The image's owner of the path, or null when not in the image. */
  public Long getImageUid() {
    return resolve().file == null ? null : file.uid;
  }

  /** True when the image held the path's directory, as a directory. */
  public boolean isParentDirInImage() {
    return resolve().parent != null && parent.isDirectory();
  }

  /** The permission bits of the path's directory in the image, or null. */
  public Integer getParentDirMode() {
    return isParentDirInImage() ? parent.mode() : null;
  }

  /** The owner of the path's directory in the image, or null. */
  public Long getParentDirUid() {
    return isParentDirInImage() ? parent.uid : null;
  }

  /**
   * True when the image holds the path's directory owned by root and not world-writable (/usr/bin, /usr/lib):
   * a place only root, normally a package manager at build time, writes to. Not /tmp (world-writable), not a
   * directory the image gives to its application's user.
   */
  public boolean isParentDirReadOnly() {
    return isParentDirInImage() && parent.uid == 0 && (parent.mode() & 0002) == 0;
  }

  @Override
  public String toString() {
    if (!baselineKnown) {
      return imageDigest == null ? "ImageFileFact[no image]" : "ImageFileFact[" + imageDigest + ": no baseline]";
    }
    return "ImageFileFact[" + imageDigest + " " + path + ": " + (isInImage() ? getKind() : "not in image") + "]";
  }
}
