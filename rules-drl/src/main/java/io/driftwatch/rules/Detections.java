package io.driftwatch.rules;

import io.driftwatch.model.FileEvent;
import org.kie.api.runtime.rule.RuleContext;

/**
 * Where detection rules send what they found. DRL sees it as the global
 * {@code global io.driftwatch.rules.Detections detections;} and calls it from a right-hand side:
 *
 * <pre>{@code
 * detections.alert( drools, "Binary " + $e.getPath() + " overwritten", $e );
 * }</pre>
 *
 * <p>The rule decides only the message and which events the alert stands for; everything else
 * (id, severity, MITRE techniques, tags, container, users, evidence) comes from the rule's
 * metadata and the events, so rules emit outputs and never effects.
 */
public interface Detections {

  /**
   * Raises an alert for the calling rule.
   *
   * @param drools  the rule's context ({@code drools} in a right-hand side)
   * @param message a sentence for people
   * @param events  every event that made the rule fire; the newest one completes the match and
   *                gives the alert its time, path and process
   */
  void alert(RuleContext drools, String message, FileEvent... events);
}
