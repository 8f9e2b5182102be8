package io.driftwatch.scanner.policy;

import java.util.List;

/**
 * A policy file that cannot be used: every problem as {@code file:line: message}, one a line (the message of the
 * exception). Exit status 2 in the CLI.
 */
public final class PolicyException extends Exception {
    /** One problem; line is 1-based, 0 when it is about the whole file. */
    public record Problem(String file, int line, String message) {
        @Override
        public String toString() {
            return file + (line > 0 ? ":" + line : "") + ": " + message;
        }
    }

    private final List<Problem> problems;

    public PolicyException(List<Problem> problems) {
        super(String.join("\n", problems.stream().map(Problem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
