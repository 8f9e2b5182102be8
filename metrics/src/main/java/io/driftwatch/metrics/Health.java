package io.driftwatch.metrics;

import java.util.Objects;

/**
 * What a health check found: up or down, and a short reason a person can act on. Reasons are Driftwatch's own
 * sentences (states, thread names, counts), never text taken from events.
 */
public record Health(boolean up, String reason) {
    public Health {
        Objects.requireNonNull(reason, "reason");
    }

    public static Health up(String reason) {
        return new Health(true, reason);
    }

    public static Health down(String reason) {
        return new Health(false, reason);
    }

    /** 200 when up, 503 when down. */
    public int httpStatus() {
        return up ? 200 : 503;
    }

    /** {@code {"status": "UP", "reason": "..."}}. */
    public String json() {
        return "{\"status\": \"" + (up ? "UP" : "DOWN") + "\", \"reason\": \"" + escape(reason) + "\"}";
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
