package io.driftwatch.rules.plan;

import java.util.List;

/**
 * A kind of incident and what the plan does with it.
 *
 * @param name        the class's id (recorded on the incident)
 * @param title       a line for people
 * @param match       which incidents belong to it; {@code null} for the default class
 * @param lead        the contact id that leads such an incident
 * @param channels    channel (notifier) names for communication about it
 * @param playbook    ordered steps (evidence before containment is checked when the plan is read)
 * @param escalation  tiers in ascending {@code after}
 * @param obligations obligation ids that always apply to the class
 */
public record IncidentClass(String name, String title, Match match, String lead, List<String> channels,
                            List<Step> playbook, List<EscalationTier> escalation, List<String> obligations) {
    public IncidentClass {
        channels = channels == null ? List.of() : List.copyOf(channels);
        playbook = playbook == null ? List.of() : List.copyOf(playbook);
        escalation = escalation == null ? List.of() : List.copyOf(escalation);
        obligations = obligations == null ? List.of() : List.copyOf(obligations);
    }
}
