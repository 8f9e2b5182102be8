package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseCommand;
import java.util.List;

/**
 * What one evaluation produced, in firing order: alerts from detection rules and commands from
 * the response policy, and the captures the policy asks for.
 */
public record Outputs(List<Alert> alerts, List<ResponseCommand> commands, List<CaptureRequest> captures) {
  private static final Outputs EMPTY = new Outputs(List.of(), List.of(), List.of());

  public Outputs {
    alerts = List.copyOf(alerts);
    commands = List.copyOf(commands);
    captures = List.copyOf(captures);
  }

  public Outputs(List<Alert> alerts, List<ResponseCommand> commands) {
    this(alerts, commands, List.of());
  }

  public static Outputs empty() {
    return EMPTY;
  }

  public boolean isEmpty() {
    return alerts.isEmpty() && commands.isEmpty() && captures.isEmpty();
  }
}
