package io.driftwatch.rules.state;

import io.driftwatch.model.FileEvent;

/**
 * A file written (created, written, renamed into place or made executable) in a container: the
 * newest write per container and path, for drop-then-execute and similar correlations. One fact
 * per file however often it is written. Replaced, never modified; see {@code classify/written_files.drl}.
 */
public final class FileWritten implements CarriedFact {
  private final String containerId;
  private final String path;
  private final long timestamp;
  private final FileEvent first;
  private final FileEvent last;

  public FileWritten(String containerId, String path, long timestamp, FileEvent first, FileEvent last) {
    this.containerId = containerId;
    this.path = path;
    this.timestamp = timestamp;
    this.first = first;
    this.last = last;
  }

  public String getContainerId() {
    return containerId;
  }

  /** Canonical: the path written, for a RENAME its new path. */
  public String getPath() {
    return path;
  }

  /** Of the newest write. */
  public long getTimestamp() {
    return timestamp;
  }

  /** The first write of this run (for evidence). */
  public FileEvent getFirst() {
    return first;
  }

  /** The newest write. */
  public FileEvent getLast() {
    return last;
  }

  @Override
  public String toString() {
    return "FileWritten[" + containerId + ":" + path + " at " + timestamp + "]";
  }
}
