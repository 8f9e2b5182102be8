package io.driftwatch.scanner.check;

import java.util.List;

/** Finds secrets in a file's text (one char per byte). */
public interface SecretMatcher {

    /**
     * One secret.
     *
     * @param offset where in the text it was found (for its line)
     * @param secret the secret itself: never printed, only fingerprinted and redacted
     * @param label  what it is, for the message: "AWS access key id"
     * @param shown  text that is safe to show before the redacted secret ("-----BEGIN RSA PRIVATE KEY-----"), or null
     */
    record Match(int offset, String secret, String label, String shown) {
    }

    /** Whether the text may hold a match at all (a cheap test before the regular expression). */
    default boolean mayMatch(String text) {
        return true;
    }

    List<Match> find(String text, int limit);
}
