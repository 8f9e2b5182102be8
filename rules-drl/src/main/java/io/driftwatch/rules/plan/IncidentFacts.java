package io.driftwatch.rules.plan;

import io.driftwatch.model.Severity;
import java.util.List;
import java.util.Set;

/** What a plan's classes and obligations are matched against: an incident's rules (and their catalogue tags), ATT&CK tactics and techniques, severity and namespace. */
public record IncidentFacts(List<String> ruleIds, Set<String> tags, List<String> tactics, List<String> mitre,
                            Severity severity, String namespace) {
    public IncidentFacts {
        ruleIds = ruleIds == null ? List.of() : List.copyOf(ruleIds);
        tags = tags == null ? Set.of() : Set.copyOf(tags);
        tactics = tactics == null ? List.of() : List.copyOf(tactics);
        mitre = mitre == null ? List.of() : List.copyOf(mitre);
    }
}
