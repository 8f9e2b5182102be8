package io.driftwatch.app.incidents;

import static io.driftwatch.app.incidents.IncidentDriver.T0;
import static io.driftwatch.app.incidents.IncidentDriver.alert;
import static io.driftwatch.app.incidents.IncidentDriver.command;
import static io.driftwatch.app.incidents.IncidentDriver.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncidentFoldTest {
    private static final long MINUTE = 60_000;
    private final IncidentFold fold = new IncidentFold(new IncidentSettings(Duration.ofMinutes(30), 3, 2,
            Duration.ofDays(1), true), AttackTactics.builtIn());

    @Test
    void theWindowCountsFromBothEnds() {
        Incident incident = fold.open("shop/web-1", alert("a1", "c1", T0));
        fold.addAlert(incident, alert("a2", "c1", T0 + 10 * MINUTE));
        assertTrue(fold.joins(incident, alert("x", "c1", T0 + 40 * MINUTE)), "30 min after lastSeen");
        assertFalse(fold.joins(incident, alert("x", "c1", T0 + 40 * MINUTE + 1)));
        assertTrue(fold.joins(incident, alert("x", "c1", T0 - 30 * MINUTE)), "late, from another partition");
        assertFalse(fold.joins(incident, alert("x", "c1", T0 - 30 * MINUTE - 1)));
        IncidentFold.changeStatus(incident, IncidentStatusChange.newBuilder().setStatus(IncidentStatus.FALSE_POSITIVE)
                .setUser("carol").setAt(T0 + 11 * MINUTE).build());
        assertFalse(fold.joins(incident, alert("x", "c1", T0 + 11 * MINUTE)), "closed");
    }

    @Test
    void listsAreBoundedAndTheCountIsNot() {
        Incident incident = fold.open("shop/web-1", alert("a1", "c1", T0));
        for (int i = 2; i <= 5; i++) {
            fold.addAlert(incident, alert("a" + i, "c" + i, "shop", "web-1", T0 + i, io.driftwatch.model.Severity.LOW,
                    "R" + i, List.of(), List.of("user" + i)));
        }
        assertEquals(List.of("a1", "a2", "a3"), incident.getAlertIds());
        assertEquals(5, incident.getAlertCount());
        assertEquals(3, incident.getContainerIds().size());
        assertEquals(3, incident.getRuleIds().size());
        assertEquals(T0 + 5, incident.getLastSeen());

        Alert a1 = alert("a1", "c1", T0);
        assertEquals(IncidentFold.Attached.ADDED, fold.attach(incident, command("k1", a1, ResponseAction.NOTIFY), null));
        assertEquals(IncidentFold.Attached.ADDED, fold.attach(incident, command("k2", a1, ResponseAction.NOTIFY), null));
        assertEquals(IncidentFold.Attached.DROPPED, fold.attach(incident, command("k3", a1, ResponseAction.NOTIFY), null));
        assertEquals(IncidentFold.Attached.UNCHANGED, fold.attach(incident, command("k1", a1, ResponseAction.NOTIFY), null));
        var k2 = command("k2", a1, ResponseAction.NOTIFY);
        assertEquals(IncidentFold.Attached.RESULT, fold.attach(incident, k2, result(k2, ResponseStatus.DONE, "ok", T0 + 9)));
        assertEquals(IncidentFold.Attached.UNCHANGED,
                fold.attach(incident, k2, result(k2, ResponseStatus.FAILED, "again", T0 + 10)), "the first result stays");
        assertEquals(ResponseStatus.DONE, incident.getResponses().get(1).getStatus());
        assertEquals(T0 + 9, incident.getUpdatedAt());
    }

    @Test
    void evidenceReferencesComeFromSnapshotsThatWereDone() {
        Alert a1 = alert("a1", "c1", T0);
        var snap = command("s1", a1, ResponseAction.SNAPSHOT_EVIDENCE);
        assertEquals("node-a:/var/lib/dw/evidence/c1/2026-01-01T00-00-00Z-s1",
                IncidentFold.evidenceReference(result(snap, ResponseStatus.DONE,
                        "evidence bundle /var/lib/dw/evidence/c1/2026-01-01T00-00-00Z-s1: 7 files, 900 bytes, 2 left out "
                                + "(see manifest)", T0)));
        assertEquals("node-a:command s1", IncidentFold.evidenceReference(result(snap, ResponseStatus.DONE, null, T0)),
                "a detail that does not name the bundle: the command, for the responder's audit log");
        assertNull(IncidentFold.evidenceReference(result(snap, ResponseStatus.FAILED, "evidence snapshot failed: x", T0)));
        assertNull(IncidentFold.evidenceReference(result(snap, ResponseStatus.SKIPPED_DRY_RUN,
                "dry run: would take an evidence bundle of container c1", T0)));

        var kill = command("k1", a1, ResponseAction.KILL_CONTAINER);
        assertEquals("node-a:/ev/c1/b", IncidentFold.evidenceReference(result(kill, ResponseStatus.DONE,
                "evidence bundle /ev/c1/b: 1 files, 2 bytes; then killed container c1", T0)));
        assertNull(IncidentFold.evidenceReference(result(kill, ResponseStatus.DONE, "killed container c1", T0)),
                "a fresh snapshot was taken before: that one was reported");
        ResponseResult pause = result(command("p1", a1, ResponseAction.PAUSE_CONTAINER), ResponseStatus.DONE, "paused", T0);
        assertNull(IncidentFold.evidenceReference(pause));
        assertTrue(IncidentFold.contains(pause));
    }
}
