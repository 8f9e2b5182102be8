package io.driftwatch.rules.plan;

import io.driftwatch.model.PlanRecipient;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An incident response plan (src/response-plan.md), as read from its YAML file by {@link PlanLoader}: who is who
 * ({@link Contact}), the incident classes in the order they are tried (the last one is the default class and matches
 * everything), the obligations (deadlines from detection) and the drills.
 *
 * @param name        the plan's name
 * @param version     the first 12 hex digits of the file's sha256: recorded on every incident the plan touches
 * @param file        where it was read from (for messages)
 * @param contacts    contact id → contact, in file order
 * @param classes     in the order they are tried; the last is the default class (its {@link Match} is {@code null})
 * @param obligations in file order
 * @param drills      in file order
 */
public record ResponsePlan(String name, String version, String file, Map<String, Contact> contacts,
                           List<IncidentClass> classes, List<Obligation> obligations, List<Drill> drills) {
    public ResponsePlan {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        contacts = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(contacts));
        classes = List.copyOf(classes);
        obligations = List.copyOf(obligations);
        drills = List.copyOf(drills);
        if (classes.isEmpty() || classes.get(classes.size() - 1).match() != null) {
            throw new IllegalArgumentException("a plan needs a default class (one without match), last");
        }
    }

    /** The first class whose match holds for {@code facts}; the default class when none does. */
    public IncidentClass classify(IncidentFacts facts) {
        for (IncidentClass c : classes) {
            if (c.match() == null || c.match().matches(facts)) {
                return c;
            }
        }
        return classes.get(classes.size() - 1);
    }

    public IncidentClass incidentClass(String name) {
        return classes.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }

    /** The obligations that apply to an incident of class {@code c} with {@code facts}: listed by the class or matched by their own {@code when}. */
    public List<Obligation> obligationsFor(IncidentClass c, IncidentFacts facts) {
        List<Obligation> out = new ArrayList<>();
        for (Obligation o : obligations) {
            if (c.obligations().contains(o.id()) || (o.when() != null && o.when().matches(facts))) {
                out.add(o);
            }
        }
        return out;
    }

    /** Every channel (notifier) name the plan uses: classes, escalation tiers and obligations, sorted. */
    public java.util.SortedSet<String> channels() {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (IncidentClass c : classes) {
            out.addAll(c.channels());
            c.escalation().forEach(t -> out.addAll(t.channels()));
        }
        obligations.forEach(o -> out.addAll(o.channels()));
        return out;
    }

    public Obligation obligation(String id) {
        return obligations.stream().filter(o -> o.id().equals(id)).findFirst().orElse(null);
    }

    public Drill drill(String name) {
        return drills.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * The people that contact ids name at {@code atMillis} (a rota names whoever is on call then; a team its
     * members, or the team itself when it has an address and no members), each once, in order.
     */
    public List<PlanRecipient> resolve(List<String> contactIds, long atMillis) {
        Set<String> seen = new LinkedHashSet<>();
        List<PlanRecipient> out = new ArrayList<>();
        for (String id : contactIds) {
            Contact contact = contacts.get(id);
            if (contact == null) {
                continue;
            }
            for (PlanRecipient r : contact.resolve(atMillis, contacts, 0)) {
                if (seen.add(r.getContact() + "\u0000" + r.getEmail() + "\u0000" + r.getName())) {
                    out.add(r);
                }
            }
        }
        return out;
    }
}
