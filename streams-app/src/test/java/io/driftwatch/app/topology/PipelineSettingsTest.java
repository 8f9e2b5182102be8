package io.driftwatch.app.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelineSettingsTest {

    @Test
    void defaultsAndOverrides() {
        PipelineSettings defaults = PipelineSettings.defaults();
        assertEquals(Duration.ofSeconds(5), defaults.metadataGrace());
        assertEquals(Set.of("stable"), defaults.ruleMaturities());
        PipelineSettings chosen = PipelineSettings.from(DriftwatchConfig.of(Map.of(
                PipelineSettings.METADATA_GRACE_MS, "2500", PipelineSettings.RULE_MATURITY, "stable, Incubating")));
        assertEquals(Duration.ofMillis(2500), chosen.metadataGrace());
        assertEquals(Set.of("stable", "incubating"), chosen.ruleMaturities());
        assertEquals(Set.of("stable", "incubating", "sandbox"), PipelineSettings.maturities("all"));
    }

    @Test
    void badValuesAreNamed() {
        IllegalArgumentException tier = assertThrows(IllegalArgumentException.class,
                () -> PipelineSettings.from(DriftwatchConfig.of(Map.of(PipelineSettings.RULE_MATURITY, "stable,beta"))));
        assertTrue(tier.getMessage().contains("'beta'") && tier.getMessage().contains("driftwatch.rules.maturity"),
                tier.getMessage());
        IllegalArgumentException grace = assertThrows(IllegalArgumentException.class,
                () -> PipelineSettings.from(DriftwatchConfig.of(Map.of(PipelineSettings.METADATA_GRACE_MS, "-1"))));
        assertTrue(grace.getMessage().contains("driftwatch.metadata.grace.ms"), grace.getMessage());
    }
}
