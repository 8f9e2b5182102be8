package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Severity;
import java.util.List;

/**
 * Which alerts a notifier sends: at least {@code minSeverity}, and, when given, only those of the
 * listed namespaces and rules. A pattern is an exact name or a prefix ending in {@code *}.
 */
public record AlertFilter(Severity minSeverity, List<String> namespaces, List<String> rules) {
    public AlertFilter {
        namespaces = List.copyOf(namespaces);
        rules = List.copyOf(rules);
    }

    public boolean matches(Alert alert) {
        return alert.getSeverity() != null && alert.getSeverity().ordinal() >= minSeverity.ordinal()
                && (namespaces.isEmpty() || anyMatches(namespaces, alert.getNamespace()))
                && (rules.isEmpty() || anyMatches(rules, alert.getRuleId()));
    }

    private static boolean anyMatches(List<String> patterns, String value) {
        if (value == null) {
            return false;
        }
        for (String pattern : patterns) {
            if (pattern.endsWith("*") ? value.startsWith(pattern.substring(0, pattern.length() - 1)) : value.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
