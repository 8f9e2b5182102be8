package io.driftwatch.app.query;

import io.driftwatch.model.EventType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A trail query (DESIGN.md "The HTTP API"): every filter is optional and they combine (AND);
 * {@code types} matches any of its types. Times are event time, epoch ms, {@code from} inclusive
 * and {@code to} exclusive.
 */
public record TrailQuery(long from, long to, String containerId, String pod, String namespace, String node,
                         String image, String user, String session, String process, String cmdline, String path,
                         String pathPrefix, Set<EventType> types, boolean modeChange, String ruleId, String alertId,
                         int limit, Cursor cursor) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;
    public static final Duration DEFAULT_RANGE = Duration.ofHours(1);
    /** The query parameters, in the order the API documents them. */
    public static final List<String> PARAMETERS = List.of("from", "to", "containerId", "pod", "namespace", "node",
            "image", "user", "session", "process", "cmdline", "path", "pathPrefix", "type", "modeChange", "ruleId",
            "alertId", "limit", "cursor");

    public TrailQuery {
        types = types == null || types.isEmpty() ? Set.of() : Set.copyOf(types);
        if (to <= from) {
            throw new IllegalArgumentException("'to' must be after 'from'");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("'limit' must be between 1 and " + MAX_LIMIT);
        }
    }

    /** Where the previous page stopped: results continue strictly after this (timestamp, eventId). */
    public record Cursor(long timestamp, String eventId) {
        public String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString((timestamp + ":" + eventId).getBytes(StandardCharsets.UTF_8));
        }

        public static Cursor decode(String text) {
            try {
                String plain = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
                int colon = plain.indexOf(':');
                return new Cursor(Long.parseLong(plain.substring(0, colon)), plain.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("'cursor' is not a cursor this API returned");
            }
        }

        /** True when (timestamp, eventId) comes after this cursor. */
        public boolean before(long otherTimestamp, String otherEventId) {
            return otherTimestamp > timestamp || otherTimestamp == timestamp && otherEventId.compareTo(eventId) > 0;
        }
    }

    /** True when some filter narrows the events of a container (beyond time): such queries read every candidate. */
    public boolean hasEventFilter() {
        return user != null || session != null || process != null || cmdline != null || path != null
                || pathPrefix != null || !types.isEmpty() || modeChange || ruleId != null || alertId != null;
    }

    /**
     * Parses the API's query parameters. Unknown parameters and bad values are refused with a
     * message that names them; {@code now} is the default end of the range.
     */
    public static TrailQuery parse(Map<String, List<String>> parameters, long now) {
        for (String name : parameters.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new IllegalArgumentException("unknown parameter '" + name + "'; the trail takes " + PARAMETERS);
            }
        }
        Map<String, List<String>> p = new LinkedHashMap<>(parameters);
        long to = time(p, "to", now);
        long from = time(p, "from", to - DEFAULT_RANGE.toMillis());
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        for (String value : p.getOrDefault("type", List.of())) {
            for (String one : value.split(",")) {
                if (one.isBlank()) {
                    continue;
                }
                try {
                    types.add(EventType.valueOf(one.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("'type' " + one.trim() + " is not an event type; one of "
                            + List.of(EventType.values()));
                }
            }
        }
        String limitText = one(p, "limit");
        int limit;
        try {
            limit = limitText == null ? DEFAULT_LIMIT : Integer.parseInt(limitText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'limit' must be a number");
        }
        String cursor = one(p, "cursor");
        String modeChange = one(p, "modeChange");
        if (modeChange != null && !modeChange.equals("true") && !modeChange.equals("false")) {
            throw new IllegalArgumentException("'modeChange' must be true or false");
        }
        return new TrailQuery(from, to, one(p, "containerId"), one(p, "pod"), one(p, "namespace"), one(p, "node"),
                one(p, "image"), one(p, "user"), one(p, "session"), one(p, "process"), one(p, "cmdline"),
                one(p, "path"), one(p, "pathPrefix"), types, "true".equals(modeChange), one(p, "ruleId"),
                one(p, "alertId"), limit, cursor == null ? null : Cursor.decode(cursor));
    }

    /** The query as API parameters (what {@link #parse} reads back), for peers and shareable links. */
    public Map<String, List<String>> toParameters() {
        Map<String, List<String>> p = new LinkedHashMap<>();
        p.put("from", List.of(Long.toString(from)));
        p.put("to", List.of(Long.toString(to)));
        put(p, "containerId", containerId);
        put(p, "pod", pod);
        put(p, "namespace", namespace);
        put(p, "node", node);
        put(p, "image", image);
        put(p, "user", user);
        put(p, "session", session);
        put(p, "process", process);
        put(p, "cmdline", cmdline);
        put(p, "path", path);
        put(p, "pathPrefix", pathPrefix);
        if (!types.isEmpty()) {
            p.put("type", types.stream().map(Enum::name).sorted().toList());
        }
        if (modeChange) {
            p.put("modeChange", List.of("true"));
        }
        put(p, "ruleId", ruleId);
        put(p, "alertId", alertId);
        p.put("limit", List.of(Integer.toString(limit)));
        if (cursor != null) {
            p.put("cursor", List.of(cursor.encode()));
        }
        return p;
    }

    public TrailQuery withCursor(Cursor next) {
        return new TrailQuery(from, to, containerId, pod, namespace, node, image, user, session, process, cmdline, path,
                pathPrefix, types, modeChange, ruleId, alertId, limit, next);
    }

    private static void put(Map<String, List<String>> p, String name, String value) {
        if (value != null) {
            p.put(name, List.of(value));
        }
    }

    private static String one(Map<String, List<String>> p, String name) {
        List<String> values = p.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw new IllegalArgumentException("'" + name + "' is given " + values.size() + " times; only 'type' repeats");
        }
        String value = values.get(0);
        return value == null || value.isEmpty() ? null : value;
    }

    /** Epoch ms, or ISO-8601 (2026-12-05T10:00:00Z, or with an offset). */
    private static long time(Map<String, List<String>> p, String name, long fallback) {
        String value = one(p, name);
        return value == null ? fallback : parseTime(name, value);
    }

    /**
     * A time parameter of the API: epoch milliseconds, or ISO-8601 such as 2026-12-05T10:00:00Z (or with an
     * offset); refused with a message that names the parameter.
     */
    public static long parseTime(String name, String value) {
        if (value.chars().allMatch(Character::isDigit)) {
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + name + "' is out of range");
            }
        }
        try {
            return OffsetDateTime.parse(value).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(value).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new IllegalArgumentException("'" + name + "' must be epoch milliseconds or ISO-8601 such as "
                        + "2026-12-05T10:00:00Z, was '" + value + "'");
            }
        }
    }
}
