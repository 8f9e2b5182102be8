package io.driftwatch.app.incidents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.Severity;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IncidentLifecycleTest {
    static {
        // Builders fill unset array fields by copying their defaults, which loads the model classes by name.
        io.driftwatch.schemas.AvroClassTrust.install();
    }

    private static final IncidentStatus OPEN = IncidentStatus.OPEN;
    private static final IncidentStatus ACKNOWLEDGED = IncidentStatus.ACKNOWLEDGED;
    private static final IncidentStatus CONTAINED = IncidentStatus.CONTAINED;
    private static final IncidentStatus RESOLVED = IncidentStatus.RESOLVED;
    private static final IncidentStatus FALSE_POSITIVE = IncidentStatus.FALSE_POSITIVE;

    @Test
    void theAllowedMovesAreExactlyTheDocumentedOnes() {
        Set<List<IncidentStatus>> allowed = Set.of(
                List.of(OPEN, ACKNOWLEDGED), List.of(OPEN, CONTAINED), List.of(OPEN, RESOLVED), List.of(OPEN, FALSE_POSITIVE),
                List.of(ACKNOWLEDGED, CONTAINED), List.of(ACKNOWLEDGED, RESOLVED), List.of(ACKNOWLEDGED, FALSE_POSITIVE),
                List.of(CONTAINED, RESOLVED), List.of(CONTAINED, FALSE_POSITIVE),
                List.of(RESOLVED, OPEN), List.of(FALSE_POSITIVE, OPEN));
        for (IncidentStatus from : IncidentStatus.values()) {
            for (IncidentStatus to : IncidentStatus.values()) {
                boolean expected = allowed.contains(List.of(from, to));
                assertEquals(expected, IncidentLifecycle.allows(from, to), from + " -> " + to);
                if (expected) {
                    IncidentLifecycle.check(from, to);
                } else {
                    assertThrows(IllegalArgumentException.class, () -> IncidentLifecycle.check(from, to), from + " -> " + to);
                }
            }
        }
        assertEquals(EnumSet.of(CONTAINED, RESOLVED, FALSE_POSITIVE), IncidentLifecycle.next(ACKNOWLEDGED));
    }

    @Test
    void refusalsSayWhyInWordsUsersRead() {
        assertEquals("cannot move incident from RESOLVED to CONTAINED; a closed incident can only be reopened (to OPEN)",
                assertThrows(IllegalArgumentException.class, () -> IncidentLifecycle.check(RESOLVED, CONTAINED)).getMessage());
        assertEquals("cannot move incident from CONTAINED to ACKNOWLEDGED; from CONTAINED it can move to RESOLVED, "
                + "FALSE_POSITIVE", assertThrows(IllegalArgumentException.class,
                () -> IncidentLifecycle.check(CONTAINED, ACKNOWLEDGED)).getMessage());
        assertEquals("cannot move incident from OPEN to OPEN; it is OPEN already",
                assertThrows(IllegalArgumentException.class, () -> IncidentLifecycle.check(OPEN, OPEN)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> IncidentLifecycle.check(OPEN, null)).getMessage()
                .contains("ACKNOWLEDGED"));
    }

    @Test
    void aStatusChangeIsCheckedBeforeItIsMade() {
        Incident incident = Incident.newBuilder().setIncidentId("inc-1").setGroupKey("shop/web-1").setStatus(CONTAINED)
                .setSeverity(Severity.HIGH).setFirstSeen(1).setLastSeen(2).setUpdatedAt(2).build();
        IncidentInput change = IncidentUpdates.statusChange(incident, RESOLVED, "carol", "rebuilt the image", 1234);
        assertEquals("inc-1", change.getIncidentId());
        assertEquals(RESOLVED, change.getStatusChange().getStatus());
        assertEquals("carol", change.getStatusChange().getUser());
        assertEquals(1234, change.getStatusChange().getAt());
        assertEquals("rebuilt the image", change.getStatusChange().getNote());
        assertEquals(null, change.getAlert());

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> IncidentUpdates.statusChange(incident, ACKNOWLEDGED, "carol", null, 1234));
        assertTrue(refused.getMessage().startsWith("cannot move incident from CONTAINED to ACKNOWLEDGED"),
                refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IncidentUpdates.statusChange(incident, RESOLVED, " ", null, 1));
    }

    @Test
    void groupKeys() {
        assertEquals("shop/web-1", IncidentUpdates.groupKey("shop", "web-1", "c1"));
        assertEquals("c1", IncidentUpdates.groupKey(null, "web-1", "c1"));
        assertEquals("c1", IncidentUpdates.groupKey("shop", "", "c1"));
        assertEquals("unknown", IncidentUpdates.groupKey(null, null, null));
    }
}
