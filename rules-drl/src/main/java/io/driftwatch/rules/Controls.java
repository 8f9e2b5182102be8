package io.driftwatch.rules;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The compliance controls a rule may claim with {@code @controls("PCI-DSS-11.5,NIST-SI-7")}: the catalogue
 * {@code io/driftwatch/rules/controls.tsv} (id, framework, title, what it asks, evidence, what in the product serves
 * it). A rule claiming an id that is not here is refused like any other bad metadata ({@code file:line: message}).
 * src/compliance-report.md explains each control.
 */
public final class Controls {
  /** Where the catalogue lives on the classpath. */
  public static final String RESOURCE = "io/driftwatch/rules/controls.tsv";

  /** Evidence of a control: the alerts and incidents of the rules that claim it. */
  public static final String EVIDENCE_RULES = "rules";
  /** Evidence of a control: every alert and incident (the product itself serves the control for all of them). */
  public static final String EVIDENCE_ALL = "all";

  /**
   * One control.
   *
   * @param id        what rules write in {@code @controls}, e.g. {@code PCI-DSS-11.5}
   * @param framework the standard, e.g. {@code PCI DSS v4.0}
   * @param title     the control's title
   * @param asks      what the control asks, in our words
   * @param evidence  {@link #EVIDENCE_RULES} or {@link #EVIDENCE_ALL}
   * @param product   what in Driftwatch itself serves the control, or {@code null} when only rules do
   */
  public record Control(String id, String framework, String title, String asks, String evidence, String product) {
    public Control {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(framework, "framework");
      Objects.requireNonNull(title, "title");
    }

    /** Whether the product itself serves the control (beside any rule that claims it). */
    public boolean servedByProduct() {
      return product != null;
    }

    /** Whether every alert and incident is evidence of the control, not only those of its rules. */
    public boolean everyAlertIsEvidence() {
      return EVIDENCE_ALL.equals(evidence);
    }
  }

  private static final Controls BUILT_IN = load();

  private final Map<String, Control> byId;

  private Controls(Map<String, Control> byId) {
    this.byId = byId;
  }

  /** The catalogue shipped in this jar. */
  public static Controls builtIn() {
    return BUILT_IN;
  }

  /** Every control, in the catalogue's order. */
  public List<Control> all() {
    return List.copyOf(byId.values());
  }

  /** The control with this id, or {@code null}. */
  public Control find(String id) {
    return byId.get(id);
  }

  /** Whether {@code id} names a control of the catalogue. */
  public boolean contains(String id) {
    return byId.containsKey(id);
  }

  /** The frameworks, in the order of their first control. */
  public List<String> frameworks() {
    return byId.values().stream().map(Control::framework).distinct().toList();
  }

  private static Controls load() {
    try (InputStream in = Controls.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses the catalogue's lines; a malformed line is a build error of the jar, so it fails loudly. */
  static Controls parse(List<String> lines) {
    Map<String, Control> byId = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] columns = line.split("\t", -1);
      if (columns.length != 6) {
        problems.add(RESOURCE + ":" + (i + 1) + ": expected 6 tab-separated columns, found " + columns.length);
        continue;
      }
      String evidence = columns[4].strip();
      if (!evidence.equals(EVIDENCE_RULES) && !evidence.equals(EVIDENCE_ALL)) {
        problems.add(RESOURCE + ":" + (i + 1) + ": evidence must be rules or all, not " + evidence);
      }
      String product = columns[5].strip();
      Control control = new Control(columns[0].strip(), columns[1].strip(), columns[2].strip(), columns[3].strip(),
          evidence, product.isEmpty() || product.equals("-") ? null : product);
      if (control.id().contains(",") || control.id().isEmpty() || byId.putIfAbsent(control.id(), control) != null) {
        problems.add(RESOURCE + ":" + (i + 1) + ": empty, duplicate or comma-holding id " + control.id());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("\n", problems));
    }
    return new Controls(byId);
  }
}
