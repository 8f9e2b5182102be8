package io.driftwatch.rules.state;

import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Deletions and renames by one process in one container within a window: the state behind the
 * mass-change (ransomware-like) rule. Counts every change; keeps the first {@link #KEPT_EVENTS}
 * events and the newest as evidence. See {@code classify/change_bursts.drl}.
 */
public final class ChangeBurst implements CarriedFact {
  /** Events kept for the alert's eventIds: the first ones and the newest. */
  public static final int KEPT_EVENTS = 20;

  private final String containerId;
  private final String actor;
  private final long start;
  private long timestamp;
  private int count;
  private int reportedCount;
  private final List<FileEvent> events = new ArrayList<>();
  private FileEvent last;

  public ChangeBurst(String containerId, String actor, FileEvent first) {
    this.containerId = containerId;
    this.actor = actor;
    this.start = first.getTimestamp();
    add(first);
  }

  /** The process the burst belongs to: its pid, or its name when the sensor gives no pid. */
  public static String actorOf(FileEvent event) {
    return event.getPid() != null ? "pid:" + event.getPid() : "name:" + event.getProcessName();
  }

  public void add(FileEvent event) {
    count++;
    timestamp = Math.max(timestamp, event.getTimestamp());
    if (events.size() < KEPT_EVENTS) {
      events.add(event);
    }
    last = event;
  }

  public String getContainerId() {
    return containerId;
  }

  public String getActor() {
    return actor;
  }

  /** Event time of the first change: the window runs from here. */
  public long getStart() {
    return start;
  }

  /** Event time of the newest change. */
  public long getTimestamp() {
    return timestamp;
  }

  public int getCount() {
    return count;
  }

  /** The count when an alert was last raised for this burst; 0 before the first. */
  public int getReportedCount() {
    return reportedCount;
  }

  public void setReportedCount(int reportedCount) {
    this.reportedCount = reportedCount;
  }

  public FileEvent getLast() {
    return last;
  }

  /** The first {@link #KEPT_EVENTS} events and the newest. */
  public FileEvent[] evidence() {
    List<FileEvent> evidence = new ArrayList<>(events);
    if (!evidence.contains(last)) {
      evidence.add(last);
    }
    return evidence.toArray(FileEvent[]::new);
  }

  public List<FileEvent> getEvents() {
    return Collections.unmodifiableList(events);
  }

  @Override
  public String toString() {
    return "ChangeBurst[" + containerId + " " + actor + ": " + count + " since " + start + "]";
  }
}
