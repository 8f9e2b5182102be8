package io.driftwatch.scanner.check;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A policy's own secret pattern ({@code pattern:} of a content check): the secret is the named group {@code secret}
 * when the expression has one, else the whole match.
 */
public record CustomPattern(Pattern pattern, String label) implements SecretMatcher {

    public boolean hasSecretGroup() {
        return pattern.pattern().contains("(?<secret>");
    }

    @Override
    public List<Match> find(String text, int limit) {
        List<Match> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        boolean group = hasSecretGroup();
        while (found.size() < limit && m.find()) {
            String secret = group ? m.group("secret") : m.group();
            if (secret == null || secret.isEmpty()) {
                continue;
            }
            found.add(new Match(group ? m.start("secret") : m.start(), secret, label, null));
        }
        return found;
    }
}
