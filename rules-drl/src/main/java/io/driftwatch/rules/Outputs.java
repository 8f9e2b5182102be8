package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseCommand;
import java.util.List;

/**
 * What one evaluation produced, in firing order: alerts from detection rules and commands from
 * the response policy.
 */
public record Outputs(List<Alert> alerts, List<ResponseCommand> commands) {
  private static final Outputs EMPTY = new Outputs(List.of(), List.of());

  public Outputs {
    alerts = List.copyOf(alerts);
    commands = List.copyOf(commands);
  }

  public static Outputs empty() {
    return EMPTY;
  }

  public boolean isEmpty() {
    return alerts.isEmpty() && commands.isEmpty();
  }
}
