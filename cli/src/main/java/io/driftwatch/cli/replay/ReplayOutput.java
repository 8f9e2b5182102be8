package io.driftwatch.cli.replay;

import io.driftwatch.model.Alert;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.ResponseCommand;
import java.util.List;

/**
 * What the pipeline emitted for a replay.
 *
 * @param imageBaselinesMissing images the drift rules looked for and found no baseline of (each counted once)
 */
public record ReplayOutput(List<Alert> alerts, List<ResponseCommand> commands, List<EnrichedEvent> enriched,
                           long imageBaselinesMissing) {

    public ReplayOutput(List<Alert> alerts, List<ResponseCommand> commands, List<EnrichedEvent> enriched) {
        this(alerts, commands, enriched, 0);
    }
}
