package io.driftwatch.app.console;

import io.driftwatch.metrics.Health;
import io.driftwatch.metrics.ProcessMetrics;
import java.util.Objects;
import java.util.function.Supplier;

/** What the console serves for operations: {@code /metrics} from the app's registry, and its two health checks. */
public record Monitoring(ProcessMetrics metrics, Supplier<Health> live, Supplier<Health> ready) {
    public Monitoring {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(live, "live");
        Objects.requireNonNull(ready, "ready");
    }
}
