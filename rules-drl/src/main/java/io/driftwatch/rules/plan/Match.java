package io.driftwatch.rules.plan;

import io.driftwatch.model.Severity;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What an incident must have to belong to a class (or for an obligation to apply). Every given criterion must hold
 * (AND); within a list one hit is enough (OR). Rule ids and namespaces take globs ({@code DW-FIM-1*}, {@code prod-*}).
 */
public record Match(List<String> rules, List<String> tags, List<String> tactics, List<String> mitre,
                    Severity minSeverity, List<String> namespaces) {
    public Match {
        rules = rules == null ? List.of() : List.copyOf(rules);
        tags = tags == null ? List.of() : List.copyOf(tags);
        tactics = tactics == null ? List.of() : List.copyOf(tactics);
        mitre = mitre == null ? List.of() : List.copyOf(mitre);
        namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
    }

    public boolean matches(IncidentFacts facts) {
        if (!rules.isEmpty() && facts.ruleIds().stream().noneMatch(id -> anyGlob(rules, id))) {
            return false;
        }
        if (!tags.isEmpty() && facts.tags().stream().noneMatch(tags::contains)) {
            return false;
        }
        if (!tactics.isEmpty() && facts.tactics().stream().noneMatch(tactics::contains)) {
            return false;
        }
        if (!mitre.isEmpty() && facts.mitre().stream().noneMatch(t -> mitre.contains(t)
                || (t.contains(".") && mitre.contains(t.substring(0, t.indexOf('.')))))) {
            return false;
        }
        if (minSeverity != null && (facts.severity() == null || facts.severity().ordinal() < minSeverity.ordinal())) {
            return false;
        }
        return namespaces.isEmpty() || (facts.namespace() != null && anyGlob(namespaces, facts.namespace()));
    }

    static boolean anyGlob(List<String> globs, String value) {
        for (String glob : globs) {
            if (glob(glob).matcher(value).matches()) {
                return true;
            }
        }
        return false;
    }

    /** {@code *} any run of characters, {@code ?} one; everything else literal. */
    static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
