package io.driftwatch.rules.plan;

import java.util.List;

/** A plan file that cannot be used: every problem found, each as {@code file:line: message}. */
public final class PlanException extends Exception {
    private final List<String> problems;

    public PlanException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
