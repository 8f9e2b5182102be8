package io.driftwatch.rules.image;

import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * One image's baseline as a path index: what the drift rules need of each file (kind, mode, owner, content hash,
 * link target) and nothing else, in about 200 bytes a file, so that a cache of a few dozen images stays small
 * while the baseline records themselves (every field of every file, up to 32 MiB each) stay in their store.
 *
 * <p>Paths are looked up the way the kernel resolves them inside the container: a direct hit costs one hash
 * look-up; otherwise (a path under a symbolic link such as /bin → usr/bin, or a path the image does not hold) the
 * path is walked component by component through the image's symbolic links, at most {@value #MAX_LINKS} of them.
 * Immutable and safe to share between threads once built.
 */
public final class ImageIndex {
  /** As the kernel's limit on symbolic links followed in one path walk (MAXSYMLINKS). */
  static final int MAX_LINKS = 40;
  private static final ImageFileKind[] KINDS = ImageFileKind.values();

  /** What the index keeps of one path. */
  static final class Entry {
    final byte kind;
    final short mode;
    final long uid;
    /** The 32 bytes of the content's SHA-256; null when the baseline has none (not a regular file) or it is malformed. */
    final byte[] sha256;
    /** For symbolic links: the link text. */
    final String linkTarget;

    Entry(ImageFileKind kind, int mode, long uid, byte[] sha256, String linkTarget) {
      this.kind = (byte) kind.ordinal();
      this.mode = (short) (mode & 07777);
      this.uid = uid;
      this.sha256 = sha256;
      this.linkTarget = linkTarget;
    }

    ImageFileKind kind() {
      return KINDS[kind];
    }

    int mode() {
      return mode & 07777;
    }

    boolean isSymlink() {
      return kind == ImageFileKind.SYMLINK.ordinal();
    }

    boolean isDirectory() {
      return kind == ImageFileKind.DIR.ordinal();
    }
  }

  private final String imageDigest;
  private final Map<String, Entry> files;

  private ImageIndex(String imageDigest, Map<String, Entry> files) {
    this.imageDigest = imageDigest;
    this.files = files;
  }

  /** Indexes a baseline. */
  public static ImageIndex of(ImageBaseline baseline) {
    Map<String, Entry> files = new HashMap<>(Math.max(16, (int) (baseline.getFiles().size() / 0.75f) + 1));
    for (ImageFile file : baseline.getFiles()) {
      ImageFileKind kind = file.getKind() == null ? ImageFileKind.OTHER : file.getKind();
      String target = kind == ImageFileKind.SYMLINK ? file.getLinkTarget() : null;
      files.put(file.getPath(), new Entry(kind, file.getMode(), file.getUid(), sha256(file.getSha256()), target));
    }
    return new ImageIndex(baseline.getImageDigest(), files);
  }

  private static byte[] sha256(String hex) {
    if (hex == null || hex.length() != 64) {
      return null;
    }
    try {
      return HexFormat.of().parseHex(hex);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  public String imageDigest() {
    return imageDigest;
  }

  /** Paths in the baseline: the weight of this index in a cache. */
  public int size() {
    return files.size();
  }

  /** The entry {@code path} names with every symbolic link followed (the final one too), or null when there is none. */
  Entry resolve(String path) {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      return null;
    }
    Entry direct = files.get(path);
    if (direct != null && !direct.isSymlink()) {
      return direct;
    }
    String resolved = walk(path);
    return resolved == null ? null : files.get(resolved);
  }

  /**
   * The path with every symbolic link of the image followed, or null when a component is missing, a link loops
   * or a link has no target. "/" is the root whether the baseline lists it or not.
   */
  String walk(String path) {
    Deque<String> rest = new ArrayDeque<>();
    push(rest, path);
    StringBuilder current = new StringBuilder();
    int links = 0;
    while (!rest.isEmpty()) {
      String part = rest.pollFirst();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        int slash = current.lastIndexOf("/");
        current.setLength(Math.max(0, slash));
        continue;
      }
      int before = current.length();
      current.append('/').append(part);
      Entry entry = files.get(current.toString());
      if (entry == null) {
        return null;
      }
      if (entry.isSymlink()) {
        if (++links > MAX_LINKS || entry.linkTarget == null || entry.linkTarget.isEmpty()) {
          return null;
        }
        current.setLength(before);
        if (entry.linkTarget.charAt(0) == '/') {
          current.setLength(0);
        }
        push(rest, entry.linkTarget);
      }
    }
    return current.length() == 0 ? "/" : current.toString();
  }

  /** Puts the components of {@code path} in front of {@code rest}, in order. */
  private static void push(Deque<String> rest, String path) {
    int end = path.length();
    for (int i = path.length() - 1; i >= -1; i--) {
      if (i == -1 || path.charAt(i) == '/') {
        if (end > i + 1) {
          rest.addFirst(path.substring(i + 1, end));
        }
        end = i;
      }
    }
  }
}
