package io.driftwatch.app.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Query parameters of the incidents and alerts endpoints, read the way {@link io.driftwatch.app.query.TrailQuery}
 * reads the trail's: unknown parameters and bad values are refused with a message naming them.
 */
final class ApiParameters {
    private final Map<String, List<String>> values;

    ApiParameters(Map<String, List<String>> values, Set<String> known) {
        for (String name : values.keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'; this endpoint takes "
                        + known.stream().sorted().toList());
            }
        }
        this.values = values;
    }

    /** At most one value; null when absent or empty. */
    String one(String name) {
        List<String> given = values.get(name);
        if (given == null || given.isEmpty()) {
            return null;
        }
        if (given.size() > 1) {
            throw new IllegalArgumentException("'" + name + "' is given " + given.size() + " times");
        }
        String value = given.get(0);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** Every value, repeated or comma-separated, trimmed, empty ones dropped. */
    List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (String value : values.getOrDefault(name, List.of())) {
            for (String one : value.split(",")) {
                if (!one.isBlank()) {
                    out.add(one.trim());
                }
            }
        }
        return out;
    }

    /** Every value as an enum constant (case-insensitive), naming the accepted ones when one is not. */
    <E extends Enum<E>> List<E> enums(String name, Class<E> type) {
        Function<String, E> parse = text -> {
            try {
                return Enum.valueOf(type, text.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + name + "' " + text + " is not one of "
                        + List.of(type.getEnumConstants()));
            }
        };
        return all(name).stream().map(parse).distinct().toList();
    }

    int integer(String name, int fallback, int min, int max) {
        String text = one(name);
        if (text == null) {
            return fallback;
        }
        int value;
        try {
            value = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + name + "' must be a number, was '" + text + "'");
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException("'" + name + "' must be between " + min + " and " + max);
        }
        return value;
    }

    /** Epoch milliseconds, or ISO-8601 such as 2026-12-05T10:00:00Z (or with an offset), as the trail takes them. */
    long time(String name, long fallback) {
        String value = one(name);
        if (value == null) {
            return fallback;
        }
        return io.driftwatch.app.query.TrailQuery.parseTime(name, value);
    }
}
