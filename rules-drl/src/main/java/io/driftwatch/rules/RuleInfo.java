package io.driftwatch.rules;

import io.driftwatch.model.Severity;
import java.util.List;
import java.util.Objects;

/**
 * The metadata of one rule, read from its DRL annotations ({@code @id}, {@code @severity},
 * {@code @mitre}, {@code @tags}, {@code @maturity}, {@code @description}, {@code @falsePositives},
 * {@code @response}, {@code @collapse}, {@code @controls}).
 *
 * <p>Classification and response rules carry no severity, MITRE techniques or false-positive
 * notes: for them those components are {@code null} or empty.
 *
 * @param id             stable rule id, e.g. {@code DW-FIM-001}; renaming or removing one is a breaking change
 * @param name           the DRL rule name
 * @param file           the DRL file, relative to the rule-set root (e.g. {@code io/driftwatch/rules/detect/binary_dirs.drl})
 * @param severity       severity of the alerts the rule raises; {@code null} for classification and response rules
 * @param mitre          ATT&amp;CK technique ids such as {@code T1070.003}
 * @param tags           free-form tags, e.g. {@code tampering}
 * @param maturity       {@code stable}, {@code incubating} or {@code sandbox}
 * @param description    what the rule catches
 * @param falsePositives known benign causes; {@code null} for classification and response rules
 * @param response       optional hint for the response policy (e.g. {@code pause}, {@code notify}), else {@code null}
 * @param collapse       what repeats of the rule's alerts are collapsed by: {@code path} (the default: same
 *                       container and path) or {@code container} (same container, whatever the path)
 * @param controls       compliance controls the rule serves, ids of {@link Controls} such as {@code PCI-DSS-11.5};
 *                       empty when it claims none
 */
public record RuleInfo(String id, String name, String file, Severity severity, List<String> mitre,
                       List<String> tags, String maturity, String description, String falsePositives,
                       String response, String collapse, List<String> controls) {
  public static final String COLLAPSE_BY_PATH = "path";
  public static final String COLLAPSE_BY_CONTAINER = "container";

  public RuleInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    mitre = List.copyOf(mitre);
    tags = List.copyOf(tags);
    collapse = collapse == null ? COLLAPSE_BY_PATH : collapse;
    controls = controls == null ? List.of() : List.copyOf(controls);
  }
}
