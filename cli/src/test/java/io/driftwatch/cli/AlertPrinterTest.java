package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.Severity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the demo prints for alerts and commands cannot be steered by the values an attacker chose. */
class AlertPrinterTest {
    @Test
    void controlAndFormatCharactersInEventValuesAreEscaped() {
        Alert alert = Alert.newBuilder().setAlertId("a1").setRuleId("DW-FIM-001").setSeverity(Severity.HIGH)
                .setTimestamp(0).setContainerId("c1").setNamespace("ns").setPodName("pod\u001b[2J")
                .setPath("/tmp/x\nALERT   CRITICAL fake").setProcessName("sh\u202e").setMessage("m").setUsers(List.of())
                .setMitre(List.of()).setTags(List.of()).setEventIds(List.of()).setEvidence(Map.of()).build();
        String line = AlertPrinter.alert(alert);
        assertEquals(2, line.split("\n").length, "one alert, two lines of its own: " + line);
        assertFalse(line.contains("\u001b") || line.contains("\u202e"), line);
        assertTrue(line.contains("/tmp/x\\nALERT   CRITICAL fake"), line);
        ResponseCommand command = ResponseCommand.newBuilder().setCommandId("x").setAction(ResponseAction.PAUSE_CONTAINER)
                .setIssuedAt(0).setNode("node\u0007").setPodName("p").setNamespace("n").setContainerId("c").build();
        assertFalse(AlertPrinter.command(command).contains("\u0007"));
    }
}
