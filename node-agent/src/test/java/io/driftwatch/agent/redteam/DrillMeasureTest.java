package io.driftwatch.agent.redteam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.DrillCheck;
import io.driftwatch.model.DrillEscalation;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The drill's measurement and pass logic on given timelines (no broker, no container). */
class DrillMeasureTest {
    static final long T = 1_780_000_000_000L;

    static DrillSpec drill(Duration ackAfter) {
        return new DrillSpec("p", "0123456789ab", "plan.yaml", List.of("weekly"), "weekly", "overwrite-binary",
                Duration.ofDays(7), ackAfter, Duration.ofMinutes(3), "binary-tampering", Duration.ofSeconds(5),
                Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(2),
                List.of(new DrillSpec.Tier(1, 0, List.of("oncall"), List.of("pager")),
                        new DrillSpec.Tier(2, 8_000, List.of("team"), List.of("security-email"))));
    }

    /** Attack at T, alert at +800, plan started at +850, contained at +1900, acknowledged at +4850 (4 s after the start). */
    static DrillMeasure.Timeline timeline(Long tier2FiredAt, Long ackAt, long watchedUntil) {
        return new DrillMeasure.Timeline(T, T + 800, "inc-1", "binary-tampering", T + 1_900, true, ackAt, T + 850,
                List.of(new DrillMeasure.Tier(1, 0, T + 900, null, List.of("pager")),
                        new DrillMeasure.Tier(2, 8_000, tier2FiredAt, tier2FiredAt == null ? T + 4_860 : null, List.of())),
                watchedUntil);
    }

    static Map<String, DrillCheck> checks(DrillMeasure.Result r) {
        return r.checks().stream().collect(Collectors.toMap(DrillCheck::getName, c -> c));
    }

    @Test
    void aTierDueAfterTheAcknowledgementMustStaySilent() {
        DrillMeasure.Result r = DrillMeasure.measure(drill(Duration.ofSeconds(4)), timeline(null, T + 4_850, T + 11_000));
        assertEquals(800L, r.timeToDetectMs());
        assertEquals(1_900L, r.timeToContainMs());
        assertEquals(4_850L, r.timeToAcknowledgeMs());
        DrillEscalation first = r.escalations().get(0);
        assertEquals(1, first.getTier());
        assertEquals(0L, first.getExpectedMs());
        assertEquals(50L, first.getFiredMs());
        assertTrue(first.getShouldFire());
        assertTrue(first.getOnTime());
        assertEquals(List.of("pager"), first.getDelivered());
        DrillEscalation second = r.escalations().get(1);
        assertFalse(second.getShouldFire());
        assertNull(second.getFiredMs());
        assertTrue(second.getOnTime());
        assertTrue(r.passed(), r.checks().toString());
        assertTrue(checks(r).containsKey("escalation tier 2 does not fire"));
    }

    @Test
    void aTierThatFiresAfterTheAcknowledgementFailsTheDrill() {
        DrillMeasure.Result r = DrillMeasure.measure(drill(Duration.ofSeconds(4)),
                timeline(T + 8_900, T + 4_850, T + 11_000));
        assertFalse(r.escalations().get(1).getShouldFire());
        assertEquals(8_050L, r.escalations().get(1).getFiredMs());
        assertFalse(r.escalations().get(1).getOnTime());
        assertFalse(r.passed());
        assertFalse(checks(r).get("escalation tier 2 does not fire").getPassed());
    }

    @Test
    void aTierDueBeforeTheAcknowledgementMustFireWithinTheTolerance() {
        // Acknowledged at +10 s from the plan's start: tier 2 (8 s) should fire.
        long ack = T + 850 + 10_000;
        DrillMeasure.Result onTime = DrillMeasure.measure(drill(Duration.ofSeconds(10)), timeline(T + 850 + 9_500, ack, ack + 100));
        assertTrue(onTime.escalations().get(1).getShouldFire());
        assertEquals(9_500L, onTime.escalations().get(1).getFiredMs());
        assertTrue(onTime.escalations().get(1).getOnTime(), "1.5 s late, tolerance 2 s");
        assertTrue(onTime.passed());

        DrillMeasure.Result late = DrillMeasure.measure(drill(Duration.ofSeconds(10)), timeline(T + 850 + 10_500, ack, ack + 100));
        assertFalse(late.escalations().get(1).getOnTime(), "2.5 s late, tolerance 2 s");
        assertFalse(late.passed());

        DrillMeasure.Result never = DrillMeasure.measure(drill(Duration.ofSeconds(10)), timeline(null, ack, ack + 100));
        assertFalse(never.escalations().get(1).getOnTime());
        assertTrue(checks(never).get("escalation tier 2 fires on time").getDetail().startsWith("did not fire"));
    }

    @Test
    void slowDetectionNoContainmentAndNoAcknowledgementEachFailTheirCheck() {
        DrillMeasure.Timeline t = new DrillMeasure.Timeline(T, T + 6_000, "inc-1", "default", null, true, null, T + 6_100,
                List.of(), T + 180_000);
        DrillMeasure.Result r = DrillMeasure.measure(drill(Duration.ofSeconds(4)), t);
        Map<String, DrillCheck> c = checks(r);
        assertFalse(c.get("detected within 5000 ms").getPassed());
        assertFalse(c.get("contained within 30000 ms").getPassed());
        assertFalse(c.get("acknowledged within 60000 ms").getPassed());
        assertFalse(c.get("the incident's class is binary-tampering").getPassed());
        assertEquals("class default", c.get("the incident's class is binary-tampering").getDetail());
        assertTrue(c.get("an incident was opened").getPassed());
        assertFalse(r.passed());
        assertNull(r.timeToContainMs());
    }

    @Test
    void noAlertAtAllFailsAndIsNeverSettled() {
        DrillMeasure.Timeline t = new DrillMeasure.Timeline(T, null, null, null, null, true, null, null, List.of(), T + 1_000);
        assertFalse(DrillMeasure.settled(drill(Duration.ofSeconds(4)), t, T + 1_000));
        DrillMeasure.Result r = DrillMeasure.measure(drill(Duration.ofSeconds(4)), t);
        assertFalse(r.passed());
        assertNull(r.timeToDetectMs());
        assertEquals("no alert for the container", checks(r).get("detected within 5000 ms").getDetail());
    }

    @Test
    void aRecordedAttackIsNotHeldToContainment() {
        DrillMeasure.Timeline t = new DrillMeasure.Timeline(T, T + 300, "inc-1", "binary-tampering", null, false, T + 5_000,
                T + 400, List.of(new DrillMeasure.Tier(1, 0, T + 410, null, List.of())), T + 6_000);
        DrillMeasure.Result r = DrillMeasure.measure(drill(Duration.ofSeconds(4)), t);
        DrillCheck contain = checks(r).get("contained within 30000 ms");
        assertTrue(contain.getPassed());
        assertTrue(contain.getDetail().startsWith("not checked"));
        assertTrue(r.passed(), r.checks().toString());
    }

    @Test
    void settledWaitsForEveryTierThatShouldFireAndPastTheDueTimeOfThoseThatShouldNot() {
        DrillSpec d = drill(Duration.ofSeconds(4));
        long ack = T + 4_850;
        // Tier 2 (due +8 s from T+850, tolerance 2 s): silent; settled only after T+850+10 000.
        assertFalse(DrillMeasure.settled(d, timeline(null, ack, 0), T + 850 + 9_999));
        assertTrue(DrillMeasure.settled(d, timeline(null, ack, 0), T + 850 + 10_001));
        // Not acknowledged yet: not settled.
        assertFalse(DrillMeasure.settled(d, timeline(null, null, 0), T + 60_000));
        // Tier 2 should fire (acknowledged at +10 s): settled once it fired.
        long lateAck = T + 850 + 10_000;
        assertFalse(DrillMeasure.settled(d, timeline(null, lateAck, 0), lateAck + 1));
        assertTrue(DrillMeasure.settled(d, timeline(T + 850 + 8_100, lateAck, 0), lateAck + 1));
        // Containment asked for and possible but not seen: not settled.
        DrillMeasure.Timeline noContain = new DrillMeasure.Timeline(T, T + 800, "inc-1", "binary-tampering", null, true,
                ack, T + 850, List.of(), 0);
        assertFalse(DrillMeasure.settled(d, noContain, T + 60_000));
    }

    @Test
    void theCatalogueNamesFiveAttacksAndAllOfThem() {
        assertEquals(List.of("write-passwd", "overwrite-binary", "setuid", "delete-history", "dropped-binary", "attacks"),
                List.copyOf(DrillAttacks.CATALOGUE.keySet()));
        assertEquals("DW-FIM-021", DrillAttacks.steps("write-passwd").get(0).ruleId());
        assertEquals("DW-FIM-001", DrillAttacks.steps("overwrite-binary").get(0).ruleId());
        assertEquals(5, DrillAttacks.steps("attacks").size());
        assertNull(DrillAttacks.steps("nope"));
        List<FileEvent> dropped = DrillAttacks.recordedEvents("dropped-binary", "c1", "n1", T);
        assertEquals(List.of(EventType.CREATE, EventType.CHMOD, EventType.EXEC), dropped.stream().map(FileEvent::getType).toList());
        assertEquals(List.of(T, T + 1, T + 2), dropped.stream().map(FileEvent::getTimestamp).toList());
        assertEquals(7, DrillAttacks.recordedEvents("attacks", "c1", "n1", T).size());
    }

    /** The spec as the CLI's {@code plan drill} prints it: milliseconds to durations, null stays null. */
    @Test
    void theSpecIsReadFromPlanDrillsJson() throws Exception {
        DrillSpec spec = DrillSpec.parse("{\"plan\":\"p\",\"version\":\"0123456789ab\",\"file\":\"deploy/x.yaml\","
                + "\"drills\":[\"a\",\"b\"],\"drill\":{\"name\":\"b\",\"attack\":\"setuid\",\"everyMs\":null,"
                + "\"acknowledgeAfterMs\":4000,\"timeoutMs\":90000,\"pass\":{\"class\":\"c\",\"detectWithinMs\":5000,"
                + "\"containWithinMs\":null,\"acknowledgeWithinMs\":30000,\"escalationToleranceMs\":3000}},"
                + "\"class\":{\"name\":\"c\",\"title\":\"C\",\"escalation\":[{\"tier\":1,\"afterMs\":0,"
                + "\"contacts\":[\"alice\"],\"channels\":[\"pager\"]},{\"tier\":2,\"afterMs\":8000,\"contacts\":[\"bob\"],"
                + "\"channels\":[]}]}}");
        assertEquals(new DrillSpec("p", "0123456789ab", "deploy/x.yaml", List.of("a", "b"), "b", "setuid", null,
                Duration.ofSeconds(4), Duration.ofSeconds(90), "c", Duration.ofSeconds(5), null, Duration.ofSeconds(30),
                Duration.ofSeconds(3), List.of(new DrillSpec.Tier(1, 0, List.of("alice"), List.of("pager")),
                        new DrillSpec.Tier(2, 8_000, List.of("bob"), List.of()))), spec);
        DrillSpec any = DrillSpec.parse("{\"plan\":\"p\",\"version\":\"v\",\"file\":\"f\",\"drills\":[\"a\"],"
                + "\"drill\":{\"name\":\"a\",\"attack\":\"setuid\",\"pass\":{\"class\":null}},\"class\":null}");
        assertNull(any.expectClass());
        assertNull(any.escalationTolerance());
        assertEquals(DrillMeasure.DEFAULT_TOLERANCE, DrillMeasure.tolerance(any));
        assertEquals(List.of(), any.escalation());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> DrillSpec.parse("[1]"));
    }
}
