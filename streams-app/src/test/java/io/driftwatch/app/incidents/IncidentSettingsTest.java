package io.driftwatch.app.incidents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IncidentSettingsTest {
    @Test
    void defaultsAndOverrides() {
        IncidentSettings defaults = IncidentSettings.defaults();
        assertEquals(Duration.ofMinutes(30), defaults.window());
        assertEquals(500, defaults.maxAlertIds());
        assertEquals(200, defaults.maxResponses());
        assertEquals(Duration.ofDays(1), defaults.responseWait());
        assertTrue(defaults.autoContain());

        IncidentSettings chosen = IncidentSettings.from(DriftwatchConfig.of(Map.of(
                IncidentSettings.WINDOW_MS, "600000", IncidentSettings.MAX_ALERT_IDS, " 50 ",
                IncidentSettings.MAX_RESPONSES, "20", IncidentSettings.RESPONSE_WAIT_MS, "3600000",
                IncidentSettings.AUTO_CONTAIN, "FALSE")));
        assertEquals(new IncidentSettings(Duration.ofMinutes(10), 50, 20, Duration.ofHours(1), false), chosen);
        assertFalse(chosen.autoContain());
    }

    @Test
    void badValuesNameTheirKey() {
        for (Map.Entry<String, String> bad : Map.of(
                IncidentSettings.WINDOW_MS, "0",
                IncidentSettings.MAX_ALERT_IDS, "lots",
                IncidentSettings.MAX_RESPONSES, "-3",
                IncidentSettings.RESPONSE_WAIT_MS, "1d",
                IncidentSettings.AUTO_CONTAIN, "yes").entrySet()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IncidentSettings.from(DriftwatchConfig.of(Map.of(bad.getKey(), bad.getValue()))), bad.getKey());
            assertTrue(e.getMessage().contains("'" + bad.getKey() + "'") && e.getMessage().contains(bad.getValue()),
                    e.getMessage());
        }
    }
}
