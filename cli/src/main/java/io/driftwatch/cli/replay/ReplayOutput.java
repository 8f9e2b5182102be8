package io.driftwatch.cli.replay;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import java.util.List;

/** What the pipeline emitted for a replay. */
public record ReplayOutput(List<Alert> alerts, List<ResponseCommand> commands, List<EnrichedEvent> enriched) {
}
