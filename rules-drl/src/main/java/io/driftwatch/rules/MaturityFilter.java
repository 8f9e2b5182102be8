package io.driftwatch.rules;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.kie.api.definition.rule.Rule;
import org.kie.api.runtime.rule.AgendaFilter;
import org.kie.api.runtime.rule.Match;

/**
 * Lets only rules of the chosen maturity tiers fire: stable rules run by default, incubating and
 * sandbox rules are opt-in. The verdict per rule is computed once.
 */
final class MaturityFilter implements AgendaFilter {
    private final Set<String> allowed;
    private final Map<Rule, Boolean> verdicts = new ConcurrentHashMap<>();

    MaturityFilter(Set<String> allowed) {
        this.allowed = Set.copyOf(allowed);
    }

    @Override
    public boolean accept(Match match) {
        return verdicts.computeIfAbsent(match.getRule(), rule -> {
            Object maturity = rule.getMetaData().get("maturity");
            return maturity != null && allowed.contains(maturity.toString());
        });
    }
}
