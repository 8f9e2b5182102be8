package io.driftwatch.rules.plan;

import java.time.Duration;
import java.util.List;

/**
 * A deadline counted from detection (e.g. a breach notification within 72 hours), with reminders {@code remindBefore}
 * the deadline, told to {@code contacts} through {@code channels}. Applies to the classes that list it and to incidents
 * its {@code when} matches (null: only where listed).
 */
public record Obligation(String id, String title, Match when, Duration due, List<Duration> remindBefore,
                         List<String> contacts, List<String> channels) {
    public Obligation {
        remindBefore = remindBefore == null ? List.of() : List.copyOf(remindBefore);
        contacts = contacts == null ? List.of() : List.copyOf(contacts);
        channels = channels == null ? List.of() : List.copyOf(channels);
    }
}
