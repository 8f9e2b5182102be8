package io.driftwatch.rules.plan;

import io.driftwatch.model.PlanRecipient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Someone the plan can name as a lead or tell something: a person, a team (members, and/or an address of its own) or
 * an on-call rota (members who take turns, each for {@code shift}, counting from {@code rotaStart}).
 */
public record Contact(String id, Kind kind, String name, String email, String handle, List<String> members,
                      Instant rotaStart, Duration shift) {
    public enum Kind { PERSON, TEAM, ROTA }

    public Contact {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** For a rota: the member on call at {@code atMillis}; null for other kinds or an empty rota. */
    public String onCall(long atMillis) {
        if (kind != Kind.ROTA || members.isEmpty() || shift == null || shift.isZero()) {
            return null;
        }
        long start = rotaStart == null ? 0 : rotaStart.toEpochMilli();
        long turns = Math.floorDiv(atMillis - start, shift.toMillis());
        return members.get((int) Math.floorMod(turns, (long) members.size()));
    }

    /** The people this contact names at {@code atMillis}; {@code depth} guards against teams that contain each other. */
    List<PlanRecipient> resolve(long atMillis, Map<String, Contact> all, int depth) {
        List<PlanRecipient> out = new ArrayList<>();
        if (depth > 8) {
            return out;
        }
        switch (kind) {
            case PERSON -> out.add(recipient(id, null));
            case ROTA -> {
                Contact member = all.get(onCall(atMillis));
                if (member != null) {
                    for (PlanRecipient r : member.resolve(atMillis, all, depth + 1)) {
                        out.add(PlanRecipient.newBuilder(r).setContact(id).setVia(r.getVia() == null ? id : r.getVia()).build());
                    }
                }
            }
            case TEAM -> {
                if (email != null || handle != null || members.isEmpty()) {
                    out.add(recipient(id, null));
                }
                for (String m : members) {
                    Contact member = all.get(m);
                    if (member != null) {
                        for (PlanRecipient r : member.resolve(atMillis, all, depth + 1)) {
                            out.add(PlanRecipient.newBuilder(r).setContact(id).setVia(r.getVia() == null ? id : r.getVia()).build());
                        }
                    }
                }
            }
        }
        return out;
    }

    private PlanRecipient recipient(String contact, String via) {
        return PlanRecipient.newBuilder().setContact(contact).setName(name == null ? id : name).setEmail(email)
                .setHandle(handle).setVia(via).build();
    }
}
