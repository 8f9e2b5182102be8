package io.driftwatch.scanner.check;

import io.driftwatch.model.Severity;

/**
 * One finding of a scan.
 *
 * @param checkId          the check that found it
 * @param severity         the check's severity
 * @param path             the path inside the image (for a missing path, the glob that found nothing)
 * @param line             1-based line in the file's content, or 0
 * @param layer            index of the layer that introduced it (bottom = 0), or -1 when no layer did
 * @param layerDigest      that layer's digest, or null
 * @param removedInLayer   a later layer that deleted or replaced the path (the finding still ships in {@code layer}'s
 *                         blob), or null
 * @param removedInDigest  that layer's digest, or null
 * @param message          one sentence; never holds a secret
 * @param evidence         redacted: a secret's first characters, length and fingerprint; or null
 * @param secretFingerprint "sha256:" and 12 hex of the secret, or null
 * @param fingerprint      stable over rebuilds of the same image content: the check, the path and the secret (SARIF's
 *                         partialFingerprints)
 * @param suppressed       the reason of the policy exception that covers it, or null; suppressed findings never fail
 *                         a scan
 */
public record Finding(String checkId, Severity severity, String path, int line, int layer, String layerDigest,
        Integer removedInLayer, String removedInDigest, String message, String evidence, String secretFingerprint,
        String fingerprint, String suppressed) {

    public boolean isSuppressed() {
        return suppressed != null;
    }
}
