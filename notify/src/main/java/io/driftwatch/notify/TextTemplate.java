package io.driftwatch.notify;

import java.util.ArrayList;
import java.util.List;

/**
 * A string with placeholders: {@code ${alert.<field>}} and friends are replaced at send time;
 * {@code ${env:NAME}} and {@code ${file:PATH}} once, when the file is loaded; {@code $${} is a
 * literal {@code ${}. An unknown placeholder is refused when the file is loaded.
 */
final class TextTemplate {
    private record Literal(String text) {
    }

    private record Field(String ref) {
    }

    private final List<Object> segments;

    private TextTemplate(List<Object> segments) {
        this.segments = List.copyOf(segments);
    }

    /**
     * @param allowAlert whether alert placeholders may appear (not in a URL: the endpoint is fixed)
     */
    static TextTemplate compile(String text, String pointer, ConfigSource source, boolean allowAlert)
            throws NotifierConfigException {
        List<Object> segments = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            if (text.startsWith("$${", i)) {
                literal.append("${");
                i += 3;
            } else if (text.startsWith("${", i)) {
                int end = text.indexOf('}', i + 2);
                if (end < 0) {
                    throw source.error(pointer, "unterminated placeholder \"" + text.substring(i)
                            + "\" (a placeholder is ${...}; write $${ for a literal ${)");
                }
                String ref = text.substring(i + 2, end).trim();
                if (ref.startsWith("env:") || ref.startsWith("file:")) {
                    literal.append(source.reference(ref, pointer));
                } else if (allowAlert && AlertView.known(ref)) {
                    if (literal.length() > 0) {
                        segments.add(new Literal(literal.toString()));
                        literal.setLength(0);
                    }
                    segments.add(new Field(ref));
                } else if (!allowAlert && AlertView.known(ref)) {
                    throw source.error(pointer, "placeholder ${" + ref + "} cannot be used here; only ${env:NAME} and ${file:PATH}");
                } else {
                    throw source.error(pointer, "unknown placeholder ${" + ref + "}; known: " + AlertView.KNOWN);
                }
                i = end + 1;
            } else {
                literal.append(text.charAt(i));
                i++;
            }
        }
        if (literal.length() > 0 || segments.isEmpty()) {
            segments.add(new Literal(literal.toString()));
        }
        return new TextTemplate(segments);
    }

    /** The placeholder when the string is exactly one alert placeholder (it then keeps its JSON type), else null. */
    String single() {
        return segments.size() == 1 && segments.get(0) instanceof Field field ? field.ref() : null;
    }

    boolean isConstant() {
        return segments.stream().noneMatch(s -> s instanceof Field);
    }

    String render(AlertView alert) {
        StringBuilder out = new StringBuilder();
        for (Object segment : segments) {
            if (segment instanceof Literal literal) {
                out.append(literal.text());
            } else {
                out.append(alert.text(((Field) segment).ref()));
            }
        }
        return out.toString();
    }
}
