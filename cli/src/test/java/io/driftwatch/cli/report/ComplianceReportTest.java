package io.driftwatch.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.AvroClassTrust;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The report's arithmetic on its own: acknowledgement with and without plan data, nearest-rank percentiles, days. */
class ComplianceReportTest {
    static final long T = Instant.parse("2026-11-02T10:00:00Z").toEpochMilli();

    @BeforeAll
    static void trust() {
        AvroClassTrust.install();
    }

    @Test
    void aPersonsFirstStatusChangeAcknowledgesWhenThePlanRecordedNone() {
        Incident incident = incident(change(IncidentStatus.OPEN, "driftwatch", T),
                change(IncidentStatus.CONTAINED, "driftwatch", T + 1000),
                change(IncidentStatus.CONTAINED, "alice", T + 90_000), change(IncidentStatus.RESOLVED, "driftwatch", T + 300_000));
        ComplianceReport.Times noPlan = ComplianceReport.times(incident);
        assertEquals(90_000L, noPlan.acknowledgeMs(), "the app's own CONTAINED is no acknowledgement");
        assertEquals("alice", noPlan.acknowledgedBy());
        assertEquals(300_000L, noPlan.closeMs(), "closed whoever closed it");

        incident.setPlan(IncidentPlan.newBuilder().setPlanName("p").setPlanVersion("v").setClassName("c")
                .setStartedAt(T + 500).build());
        ComplianceReport.Times planWithoutAck = ComplianceReport.times(incident);
        assertEquals(89_500L, planWithoutAck.acknowledgeMs(), "from the plan's start, by the history");

        incident.getPlan().setAcknowledgedAt(T + 60_500);
        incident.getPlan().setAcknowledgedBy("bob");
        ComplianceReport.Times plan = ComplianceReport.times(incident);
        assertEquals(60_000L, plan.acknowledgeMs(), "the plan's acknowledgement wins");
        assertEquals("bob", plan.acknowledgedBy());

        ComplianceReport.Times open = ComplianceReport.times(incident(change(IncidentStatus.OPEN, "driftwatch", T)));
        assertNull(open.acknowledgeMs());
        assertNull(open.closeMs());
    }

    @Test
    void percentilesAreNearestRank() {
        assertNull(ComplianceReport.percentile(List.of(), 50));
        assertEquals(7L, ComplianceReport.percentile(List.of(7L), 90));
        assertEquals(2L, ComplianceReport.percentile(List.of(1L, 2L, 3L, 4L), 50));
        assertEquals(4L, ComplianceReport.percentile(List.of(1L, 2L, 3L, 4L), 90));
        assertEquals(9L, ComplianceReport.percentile(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), 90));
    }

    @Test
    void theDaysAreTheUtcDaysThePeriodTouches() {
        long from = Instant.parse("2026-11-01T22:00:00Z").toEpochMilli();
        assertEquals(List.of("2026-11-01", "2026-11-02"),
                ComplianceReport.days(from, Instant.parse("2026-11-03T00:00:00Z").toEpochMilli()), "the end is exclusive");
        assertEquals(List.of("2026-11-01"), ComplianceReport.days(from, from + 1));
    }

    static IncidentStatusChange change(IncidentStatus status, String user, long at) {
        return IncidentStatusChange.newBuilder().setStatus(status).setUser(user).setAt(at).build();
    }

    static Incident incident(IncidentStatusChange... history) {
        return Incident.newBuilder().setIncidentId("i").setGroupKey("g").setStatus(history[history.length - 1].getStatus())
                .setSeverity(Severity.HIGH).setFirstSeen(T).setLastSeen(T).setHistory(List.of(history))
                .setUpdatedAt(T).build();
    }
}
