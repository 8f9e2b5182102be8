package io.driftwatch.rules;

import io.driftwatch.model.FileEvent;
import java.util.Set;

/**
 * The fact the rules see for each file event: the {@link FileEvent} itself (paths canonical, the
 * timestamp never older than the session clock) plus what its path, new path and process
 * <em>are</em>, looked up once in the classification lists of the rule set (see
 * {@code classify/*.drl}) before the event enters the session. Detection rules match on these
 * sets inside the event pattern, e.g.
 *
 * <pre>
 * ClassifiedEvent( type == EventType.OPEN_WRITE, pathRoles contains "binary-dir",
 *                  actorRoles not contains "package-manager" )
 * </pre>
 *
 * so the engine filters each event in its alpha network instead of joining it with derived facts.
 * A rule matching {@code FileEvent} sees these events too (this is a FileEvent).
 *
 * <p>Equality is identity: two events with equal fields are still two events.
 */
public final class ClassifiedEvent extends FileEvent {
  private Set<String> pathRoles = Set.of();
  private Set<String> newPathRoles = Set.of();
  private Set<String> actorRoles = Set.of();
  private Set<String> modeChanges = Set.of();
  private Set<String> parentRoles = Set.of();
  private Set<String> argumentRoles = Set.of();
  private EventContext context;
  /** Where the image of the event's container is looked up, and its digest; null digest: no image. */
  private io.driftwatch.rules.image.ImageBaselines images = io.driftwatch.rules.image.ImageBaselines.NONE;
  private String imageDigest;
  /** Worked out on first use: most events never meet a drift rule. */
  private io.driftwatch.rules.image.ImageFileFact image;

  ClassifiedEvent() {}

  /**
   * What the container's image held at {@code path} (image drift): {@code image.baselineKnown}, {@code image.inImage},
   * {@code image.imageSha256}, {@code image.parentDirReadOnly}, ... Looked up the first time a rule asks, from the
   * baseline of the container's {@code imageDigest}; {@code baselineKnown} is false when the container has no image
   * digest or its image no baseline.
   */
  public io.driftwatch.rules.image.ImageFileFact getImage() {
    if (image == null) {
      image = io.driftwatch.rules.image.ImageFileFact.of(images, imageDigest, getPath());
    }
    return image;
  }

  void image(io.driftwatch.rules.image.ImageBaselines images, String imageDigest) {
    this.images = images;
    this.imageDigest = imageDigest;
    this.image = null;
  }

  /** Roles of {@code path}: binary-dir, account-config, shell-history, log-dir, ... */
  public Set<String> getPathRoles() {
    return pathRoles;
  }

  /** Roles of {@code newPath} (a RENAME's destination, a LINK or SYMLINK's target); empty without one. */
  public Set<String> getNewPathRoles() {
    return newPathRoles;
  }

  /** Roles of the process: package-manager, shell, file-utility, log-rotator, ... */
  public Set<String> getActorRoles() {
    return actorRoles;
  }

  /**
   * What a CHMOD or a CREATE with a mode did to the permission bits: adds-execute, adds-setuid,
   * adds-setgid, adds-world-write. When the previous mode is unknown, a bit set counts as added.
   */
  public Set<String> getModeChanges() {
    return modeChanges;
  }

  /**
   * Roles of the directory {@code path} is in, e.g. {@code config-root} for {@code /etc/x} (a FileRole on a
   * directory makes its direct entries recognisable, where a DirectoryRole covers everything below it).
   */
  public Set<String> getParentRoles() {
    return parentRoles;
  }

  /**
   * For an EXEC with a known command line: the roles of its arguments, each read as a path (a relative one as if
   * from /, with glob stars at the ends of its name dropped, so {@code find / -name '*id_rsa*'} names a private
   * key); options ({@code -name}) and the program itself are left out. Empty for every other event.
   */
  public Set<String> getArgumentRoles() {
    return argumentRoles;
  }

  /** True when {@code path} or {@code newPath} plays {@code role}. */
  public boolean touches(String role) {
    return pathRoles.contains(role) || newPathRoles.contains(role);
  }

  /** The last component of {@code path}. */
  public String getFileName() {
    return CanonicalPath.fileName(getPath());
  }

  /** The last component of {@code newPath}, or null. */
  public String getNewFileName() {
    return getNewPath() == null ? null : CanonicalPath.fileName(getNewPath());
  }

  /** What the evaluator knew about the event beyond its fields (enrichment, the event as it arrived). */
  EventContext context() {
    return context;
  }

  void context(EventContext context) {
    this.context = context;
  }

  /**
   * Replaces each value (but the event id, which is the event's own) and each role set by an equal
   * instance from {@code deduplicator}, and an empty list by the shared empty list. Equal values, so nothing a
   * rule sees changes; for events the session keeps.
   */
  void compact(Deduplicator deduplicator) {
    int fields = getSchema().getFields().size();
    for (int i = 0; i < fields; i++) {
      Object value = get(i);
      if (value instanceof String || value instanceof Long || value instanceof Integer) {
        if (i != EVENT_ID_FIELD) {
          put(i, deduplicator.fold(value));
        }
      } else if (value instanceof java.util.List<?> list && list.isEmpty()) {
        put(i, java.util.List.of());
      }
    }
    // The role sets are built per event; a kept event shares them with others of the same roles.
    pathRoles = deduplicator.fold(pathRoles);
    newPathRoles = deduplicator.fold(newPathRoles);
    actorRoles = deduplicator.fold(actorRoles);
    modeChanges = deduplicator.fold(modeChanges);
    parentRoles = deduplicator.fold(parentRoles);
    argumentRoles = deduplicator.fold(argumentRoles);
    if (context != null) {
      context = context.compact(deduplicator);
    }
    // A kept event must not hold an image index (or the baselines) in memory: settle what it knows of its image now.
    if (image != null) {
      image.resolve();
    }
    images = io.driftwatch.rules.image.ImageBaselines.NONE;
  }

  private static final int EVENT_ID_FIELD = FileEvent.getClassSchema().getField("eventId").pos();

  void classify(Set<String> pathRoles, Set<String> newPathRoles, Set<String> actorRoles, Set<String> modeChanges,
                Set<String> parentRoles, Set<String> argumentRoles) {
    this.pathRoles = pathRoles;
    this.newPathRoles = newPathRoles;
    this.actorRoles = actorRoles;
    this.modeChanges = modeChanges;
    this.parentRoles = parentRoles;
    this.argumentRoles = argumentRoles;
  }

  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }
}
