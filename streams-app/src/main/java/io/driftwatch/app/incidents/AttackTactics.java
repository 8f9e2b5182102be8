package io.driftwatch.app.incidents;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ATT&amp;CK technique → tactics, from the table {@code attack-tactics.tsv} beside this class. A sub-technique not in
 * the table takes its parent's tactics; an unknown technique has none.
 */
final class AttackTactics {
    static final String RESOURCE = "attack-tactics.tsv";
    private static final AttackTactics BUILT_IN = load();

    private final Map<String, List<String>> byTechnique;

    private AttackTactics(Map<String, List<String>> byTechnique) {
        this.byTechnique = byTechnique;
    }

    static AttackTactics builtIn() {
        return BUILT_IN;
    }

    /** The tactics of {@code technique} (e.g. T1070.003 → defense-evasion), empty when it is not known. */
    List<String> of(String technique) {
        if (technique == null) {
            return List.of();
        }
        String id = technique.trim().toUpperCase(java.util.Locale.ROOT);
        List<String> tactics = byTechnique.get(id);
        if (tactics == null && id.indexOf('.') > 0) {
            tactics = byTechnique.get(id.substring(0, id.indexOf('.')));
        }
        return tactics == null ? List.of() : tactics;
    }

    boolean knows(String technique) {
        return !of(technique).isEmpty();
    }

    private static AttackTactics load() {
        Map<String, List<String>> table = new TreeMap<>();
        try (InputStream in = AttackTactics.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the ATT&CK tactics table " + RESOURCE + " is missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] columns = line.split("\t");
                if (columns.length < 2 || columns[1].isBlank()) {
                    throw new IllegalStateException(RESOURCE + " line " + number + ": expected technique TAB tactics");
                }
                table.put(columns[0].trim(), Arrays.stream(columns[1].split(",")).map(String::trim)
                        .filter(t -> !t.isEmpty()).toList());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + RESOURCE, e);
        }
        return new AttackTactics(Map.copyOf(table));
    }
}
