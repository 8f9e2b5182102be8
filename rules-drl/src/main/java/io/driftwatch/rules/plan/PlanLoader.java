package io.driftwatch.rules.plan;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads and checks a response plan file (YAML): every problem is reported at once as {@code file:line: message},
 * unknown keys are refused. See src/response-plan.md for the format.
 */
public final class PlanLoader {
    private PlanLoader() {
    }

    public static ResponsePlan load(Path file) throws IOException, PlanException {
        throw new UnsupportedOperationException("PlanLoader.load: being written (issue 20)");
    }

    public static ResponsePlan parse(String yaml, String fileName) throws PlanException {
        throw new UnsupportedOperationException("PlanLoader.parse: being written (issue 20)");
    }
}
