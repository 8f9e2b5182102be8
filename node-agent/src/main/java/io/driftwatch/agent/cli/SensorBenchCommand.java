package io.driftwatch.agent.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "sensor-bench", mixinStandardHelpOptions = true, description = "Not yet.")
final class SensorBenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 1;
    }
}
