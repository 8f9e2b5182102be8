package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Severity;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Alerts and notifier configurations for the tests. */
final class TestAlerts {
    static final long TIME = 1_700_000_000_123L;

    private TestAlerts() {
    }

    static Alert alert(String id, Severity severity) {
        return Alert.newBuilder()
                .setAlertId(id)
                .setRuleId("DW-FIM-001")
                .setRuleName("System binary written")
                .setRuleVersion("1")
                .setSeverity(severity)
                .setMitre(List.of("T1554", "T1036.005"))
                .setTags(List.of("maturity:stable"))
                .setTimestamp(TIME)
                .setEventIds(List.of("ev-1", "ev-2"))
                .setContainerId("c0ffee01deadbeef0123")
                .setContainerName("ledger")
                .setImage("registry.example/ledger:1.4.2")
                .setPodName("ledger-7d9f8-abcde")
                .setNamespace("payments")
                .setNode("node-a")
                .setUsers(List.of("alice@example.com", "bob"))
                .setProcessName("cp")
                .setPath("/usr/bin/dpkg")
                .setMessage("System binary /usr/bin/dpkg written by cp")
                .setEvidence(Map.of("sha256", "9f86d081884c7d65", "previousMode", "0755"))
                .setCount(1)
                .build();
    }

    static Alert alert(String id, Severity severity, String message) {
        Alert alert = alert(id, severity);
        alert.setMessage(message);
        return alert;
    }

    static List<NotifierSpec> parse(String yaml, Map<String, String> env) throws NotifierConfigException {
        return NotifiersFile.parse(yaml, "notifiers.yaml", Path.of("."), env);
    }

    static List<NotifierSpec> parse(String yaml) throws NotifierConfigException {
        return parse(yaml, Map.of());
    }
}
