package io.driftwatch.app.incidents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class IncidentTacticsTest {
    /** Techniques the app's own alerts name (ClockSkewProcessor). */
    private static final List<String> APP_TECHNIQUES = List.of("T1070.006");
    private static final Set<String> TACTICS = Set.of("reconnaissance", "resource-development", "initial-access",
            "execution", "persistence", "privilege-escalation", "defense-evasion", "credential-access", "discovery",
            "lateral-movement", "collection", "command-and-control", "exfiltration", "impact");

    @Test
    void everyTechniqueOfTheShippedRulesHasATactic() {
        AttackTactics tactics = AttackTactics.builtIn();
        TreeMap<String, Set<String>> missing = new TreeMap<>();
        int techniques = 0;
        for (RuleInfo rule : RuleSet.builtIn().rules()) {
            for (String technique : rule.mitre()) {
                techniques++;
                if (!tactics.knows(technique)) {
                    missing.computeIfAbsent(technique, t -> new TreeSet<>()).add(rule.id());
                }
            }
        }
        for (String technique : APP_TECHNIQUES) {
            if (!tactics.knows(technique)) {
                missing.computeIfAbsent(technique, t -> new TreeSet<>()).add("the app's own alerts");
            }
        }
        assertTrue(techniques > 20, "the rule pack names techniques: " + techniques);
        assertEquals(new TreeMap<>(), missing, "techniques without a tactic in " + AttackTactics.RESOURCE
                + " (technique → rules naming it)");
    }

    @Test
    void theTableNamesOnlyAttackTactics() {
        AttackTactics tactics = AttackTactics.builtIn();
        for (String technique : List.of("T1003", "T1053.003", "T1548.001", "T1556", "T1574.006", "T1611")) {
            assertTrue(TACTICS.containsAll(tactics.of(technique)), technique + ": " + tactics.of(technique));
        }
    }

    @Test
    void aSubTechniqueFallsBackToItsParent() {
        AttackTactics tactics = AttackTactics.builtIn();
        assertEquals(List.of("defense-evasion"), tactics.of("T1070.003"));
        assertEquals(List.of("defense-evasion"), tactics.of("T1070.099"), "not in the table: its parent's");
        assertEquals(List.of("execution", "persistence", "privilege-escalation"), tactics.of("t1053.003"));
        assertEquals(List.of(), tactics.of("T9999"));
        assertEquals(List.of(), tactics.of(null));
    }
}
