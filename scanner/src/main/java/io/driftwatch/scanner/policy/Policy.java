package io.driftwatch.scanner.policy;

import io.driftwatch.scanner.check.Check;
import java.util.List;

/**
 * The checks a scan runs and the exceptions it honours: the built-in default policy, extended or overridden by the
 * file given with {@code --policy} ({@link PolicyLoader}).
 *
 * @param checks     every check, enabled or not, in policy order
 * @param disabled   ids of the checks turned off ({@code enabled: false})
 * @param exemptions the policy's exceptions
 * @param sources    what it was read from, for people: "built-in", "policy.yaml"
 */
public record Policy(List<Check> checks, java.util.Set<String> disabled, List<Exemption> exemptions, List<String> sources) {

    public Policy {
        checks = List.copyOf(checks);
        disabled = java.util.Set.copyOf(disabled);
        exemptions = List.copyOf(exemptions);
        sources = List.copyOf(sources);
    }

    public List<Check> enabledChecks() {
        return checks.stream().filter(c -> !disabled.contains(c.info().id())).toList();
    }
}
