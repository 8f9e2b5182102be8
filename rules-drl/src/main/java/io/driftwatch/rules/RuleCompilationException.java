package io.driftwatch.rules;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A rule set was refused. Carries every problem found at once (compilation errors and metadata
 * problems), each with the file (relative to the rule-set root), the line (0 when unknown) and a
 * message; {@link #getMessage()} lists them as {@code file:line: message}.
 */
public final class RuleCompilationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** One problem in one file. */
  public record Problem(String file, int line, String message) {
    @Override
    public String toString() {
      return file + ":" + line + ": " + message;
    }
  }

  private final transient List<Problem> problems;

  RuleCompilationException(List<Problem> problems) {
    super(describe(problems));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }

  private static String describe(List<Problem> problems) {
    return problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the rule set:\n"
        + problems.stream().map(Problem::toString).collect(Collectors.joining("\n"));
  }
}
