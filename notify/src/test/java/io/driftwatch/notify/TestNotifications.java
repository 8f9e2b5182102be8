package io.driftwatch.notify;

import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.IncidentPlan;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.model.PlanNotice;
import io.driftwatch.model.PlanRecipient;
import io.driftwatch.model.Severity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Incident notifications as the app sends them, with values an attacker controls (pod names, titles), and a recorder of delivery reports. */
final class TestNotifications {
    static final String INCIDENT = "inc-7f3a9c21";
    static final String GROUP_KEY = "payments/ledger-7d9f8-abcde";
    /** A pod name is chosen by whoever can create pods: markup, a fake header, Markdown. */
    static final String EVIL_POD = "ledger<script>alert(1)</script>*bold*_[x](http://evil.example)";
    static final String EVIL_TITLE = "Shadow file written\r\nBcc: victim@example.com\r\n<b>{noformat}|!img.png!";

    static {
        io.driftwatch.schemas.AvroClassTrust.install(); // the builders copy defaults of the model's record types
    }

    private TestNotifications() {
    }

    static PlanRecipient alice() {
        return PlanRecipient.newBuilder().setContact("secops-oncall").setName("Alice Ng").setEmail("alice@example.com")
                .setHandle("@alice").setVia("secops-oncall").build();
    }

    static PlanRecipient noMail() {
        return PlanRecipient.newBuilder().setContact("pager-only").setName("Pat Pager").build();
    }

    static Incident incident(IncidentStatus status, List<PlanNotice> notices) {
        IncidentPlan plan = IncidentPlan.newBuilder()
                .setPlanName("acme-container-ir").setPlanVersion("0123456789ab")
                .setClassName("credential-tampering").setClassTitle("Credentials or accounts changed in a container")
                .setLead("secops-oncall").setLeadRecipients(List.of(alice()))
                .setChannels(List.of("security-email", "security-chat"))
                .setStartedAt(1_765_000_000_000L)
                .setNotices(notices)
                .build();
        return Incident.newBuilder()
                .setIncidentId(INCIDENT).setGroupKey(GROUP_KEY).setStatus(status).setSeverity(Severity.HIGH)
                .setTitle(EVIL_TITLE)
                .setRuleIds(List.of("DW-FIM-020")).setAlertIds(List.of("a-1")).setAlertCount(3)
                .setMitre(List.of("T1098")).setTactics(List.of("persistence"))
                .setFirstSeen(1_765_000_000_000L).setLastSeen(1_765_000_005_000L)
                .setContainerId("c0ffee01deadbeef0123").setContainerName("ledger")
                .setPodName(EVIL_POD).setNamespace("payments").setImage("registry.example/ledger:1.4.2").setNode("node-a")
                .setPlan(plan).setUpdatedAt(1_765_000_005_000L)
                .build();
    }

    static IncidentNotification notification(String kind, Integer tier, List<String> channels) {
        return notification(kind, tier, channels, IncidentStatus.OPEN, List.of());
    }

    static IncidentNotification notification(String kind, Integer tier, List<String> channels, IncidentStatus status,
                                             List<PlanNotice> notices) {
        String id = INCIDENT + "/" + kind + "/" + (tier != null ? tier : kind.equals("STATUS_CHANGED") ? status.name() : "0");
        return IncidentNotification.newBuilder()
                .setNotificationId(id).setIncidentId(INCIDENT).setGroupKey(GROUP_KEY).setKind(kind).setTier(tier)
                .setChannels(channels).setRecipients(List.of(alice(), noMail()))
                .setSubject("[HIGH] " + kind + (tier == null ? "" : " tier " + tier) + ": credential-tampering in payments/" + EVIL_POD)
                .setText("Incident " + INCIDENT + " (" + EVIL_TITLE + ") is not acknowledged.\nLead: secops-oncall.")
                .setAt(1_765_000_060_000L)
                .setIncident(incident(status, notices))
                .build();
    }

    /** Delivery reports as {@link PlanDeliveries} would write them. */
    static final class Recorder implements DeliveryListener {
        record Report(IncidentNotification notification, PlanDelivery delivery) {
        }

        private final List<Report> reports = new ArrayList<>();

        @Override
        public synchronized void outcome(IncidentNotification n, String channel, String outcome, String detail,
                                         String reference, List<PlanRecipient> recipients) {
            reports.add(new Report(n, PlanDelivery.newBuilder().setNotificationId(n.getNotificationId()).setChannel(channel)
                    .setOutcome(outcome).setAt(System.currentTimeMillis()).setRecipients(recipients).setDetail(detail)
                    .setReference(reference).build()));
            notifyAll();
        }

        synchronized List<PlanDelivery> await(int count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (reports.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + count + " delivery report(s), got " + reports);
                }
                wait(Math.max(1, left / 1_000_000));
            }
            return reports.stream().map(Report::delivery).toList();
        }

        synchronized List<PlanDelivery> all() {
            return reports.stream().map(Report::delivery).toList();
        }
    }
}
