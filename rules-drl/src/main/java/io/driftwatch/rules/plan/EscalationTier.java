package io.driftwatch.rules.plan;

import java.time.Duration;
import java.util.List;

/** Tier {@code tier} (1-based): when nobody acknowledged within {@code after} of detection, tell {@code contacts} through {@code channels}. */
public record EscalationTier(int tier, Duration after, List<String> contacts, List<String> channels) {
    public EscalationTier {
        contacts = contacts == null ? List.of() : List.copyOf(contacts);
        channels = channels == null ? List.of() : List.copyOf(channels);
    }
}
