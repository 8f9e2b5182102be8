package io.driftwatch.rules;

import io.driftwatch.model.Alert;

/**
 * The response policy's request to seal a capture of the alert's container: its trail from
 * {@code beforeMillis} before the alert to {@code afterMillis} after it. The id derives from the
 * alert's, so the same input always asks for the same capture.
 */
public record CaptureRequest(String captureId, Alert alert, long beforeMillis, long afterMillis) {
  public static String idFor(String alertId) {
    return "cap-" + alertId;
  }
}
