package io.driftwatch.app.incidents;

import io.driftwatch.model.Alert;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentResponse;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import io.driftwatch.rules.Hashes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one input changes an incident: pure functions on the record (no store, no clock), so that every rule of the
 * fold is testable without a driver. The methods change the incident they are given.
 */
final class IncidentFold {
    /** The newest status changes kept on an incident. */
    static final int MAX_HISTORY = 200;
    /** Responses whose success contains the container. */
    static final Set<ResponseAction> CONTAINING = EnumSet.of(ResponseAction.PAUSE_CONTAINER,
            ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER);
    /**
     * The node agent's responder reports a snapshot as "evidence bundle DIR: N files, M bytes[, K left out (see
     * manifest)]", and a kill that had to take one first as the same followed by "; then ...".
     */
    private static final Pattern BUNDLE = Pattern.compile("evidence bundle (.+?): \\d+ files, \\d+ bytes");

    private final IncidentSettings settings;
    private final AttackTactics tactics;

    IncidentFold(IncidentSettings settings, AttackTactics tactics) {
        this.settings = settings;
        this.tactics = tactics;
    }

    /** Deterministic: "inc-" and the first 16 hex digits of SHA-256 over the group key and the first alert's id. */
    static String incidentId(String groupKey, String firstAlertId) {
        return "inc-" + Hashes.sha256Hex(16, groupKey, firstAlertId);
    }

    /** A new OPEN incident of {@code groupKey} started by {@code alert}. */
    Incident open(String groupKey, Alert alert) {
        long time = alert.getTimestamp();
        Incident incident = Incident.newBuilder()
                .setIncidentId(incidentId(groupKey, alert.getAlertId()))
                .setGroupKey(groupKey)
                .setStatus(IncidentStatus.OPEN)
                .setSeverity(alert.getSeverity())
                .setTitle(title(alert))
                .setRuleIds(List.of())
                .setAlertIds(List.of())
                .setAlertCount(0)
                .setMitre(List.of())
                .setTactics(List.of())
                .setFirstSeen(time)
                .setLastSeen(time)
                .setContainerId(alert.getContainerId())
                .setContainerIds(List.of())
                .setContainerName(alert.getContainerName())
                .setPodName(alert.getPodName())
                .setNamespace(alert.getNamespace())
                .setImage(alert.getImage())
                .setNode(alert.getNode())
                .setUsers(List.of())
                .setSessions(List.of())
                .setResponses(List.of())
                .setEvidence(List.of())
                .setCaptureIds(List.of())
                .setHistory(List.of(IncidentStatusChange.newBuilder().setStatus(IncidentStatus.OPEN)
                        .setUser(IncidentUpdates.APP_USER).setAt(time)
                        .setNote("opened by alert " + alert.getAlertId() + " (" + alert.getRuleId() + ")").build()))
                .setUpdatedAt(time)
                .build();
        addAlert(incident, alert);
        return incident;
    }

    /**
     * Whether {@code alert} belongs to {@code incident}: the incident is not closed and the alert's event time lies
     * within the window after its lastSeen (or before its firstSeen: alerts of two containers may arrive out of order).
     */
    boolean joins(Incident incident, Alert alert) {
        long window = settings.window().toMillis();
        long time = alert.getTimestamp();
        return !IncidentLifecycle.closed(incident.getStatus())
                && time <= saturatedAdd(incident.getLastSeen(), window)
                && time >= saturatedAdd(incident.getFirstSeen(), -window);
    }

    /** Folds {@code alert} into {@code incident} (which must not hold it yet). */
    void addAlert(Incident incident, Alert alert) {
        int max = settings.maxAlertIds();
        if (alert.getSeverity().compareTo(incident.getSeverity()) > 0) {
            incident.setSeverity(alert.getSeverity());
            incident.setTitle(title(alert));
        } else if (incident.getTitle() == null && alert.getSeverity() == incident.getSeverity()) {
            incident.setTitle(title(alert));
        }
        if (incident.getAlertIds().size() < max) {
            List<String> ids = new ArrayList<>(incident.getAlertIds());
            ids.add(alert.getAlertId());
            incident.setAlertIds(ids);
        }
        incident.setAlertCount(incident.getAlertCount() + 1);
        incident.setRuleIds(sortedUnion(incident.getRuleIds(), List.of(alert.getRuleId()), max));
        incident.setMitre(sortedUnion(incident.getMitre(), alert.getMitre(), max));
        List<String> alertTactics = new ArrayList<>();
        for (String technique : alert.getMitre()) {
            alertTactics.addAll(tactics.of(technique));
        }
        incident.setTactics(sortedUnion(incident.getTactics(), alertTactics, max));
        incident.setUsers(sortedUnion(incident.getUsers(), alert.getUsers(), max));
        incident.setSessions(sortedUnion(incident.getSessions(), alert.getSessions(), max));
        incident.setContainerIds(sortedUnion(incident.getContainerIds(), List.of(alert.getContainerId()), max));
        incident.setFirstSeen(Math.min(incident.getFirstSeen(), alert.getTimestamp()));
        incident.setLastSeen(Math.max(incident.getLastSeen(), alert.getTimestamp()));
        // The first alert's container stands for the incident; a later alert only fills in what it did not know
        // (its metadata came late).
        if (incident.getContainerName() == null && alert.getContainerId().equals(incident.getContainerId())) {
            incident.setContainerName(alert.getContainerName());
        }
        if (incident.getImage() == null && alert.getContainerId().equals(incident.getContainerId())) {
            incident.setImage(alert.getImage());
        }
        if (incident.getPodName() == null) {
            incident.setPodName(alert.getPodName());
        }
        if (incident.getNamespace() == null) {
            incident.setNamespace(alert.getNamespace());
        }
        if (incident.getNode() == null) {
            incident.setNode(alert.getNode());
        }
        touch(incident, alert.getTimestamp());
    }

    /** What {@link #attach} did. */
    enum Attached {
        /** A new response (with its result when it came with one). */
        ADDED,
        /** A result for a response the incident had. */
        RESULT,
        /** Nothing new: the incident had the response, and its result when this input has one. */
        UNCHANGED,
        /** Not kept: the incident has its maximum of responses. */
        DROPPED
    }

    /** Adds {@code command} as a response, or fills in its {@code result} (may be null). */
    Attached attach(Incident incident, ResponseCommand command, ResponseResult result) {
        List<IncidentResponse> responses = new ArrayList<>(incident.getResponses());
        for (int i = 0; i < responses.size(); i++) {
            IncidentResponse known = responses.get(i);
            if (!known.getCommandId().equals(command.getCommandId())) {
                continue;
            }
            if (result == null || known.getStatus() != null) {
                return Attached.UNCHANGED;
            }
            known.setStatus(result.getStatus());
            known.setDetail(result.getDetail());
            known.setFinishedAt(result.getFinishedAt());
            responses.set(i, known);
            incident.setResponses(responses);
            touch(incident, result.getFinishedAt());
            return Attached.RESULT;
        }
        if (responses.size() >= settings.maxResponses()) {
            return Attached.DROPPED;
        }
        responses.add(IncidentResponse.newBuilder()
                .setCommandId(command.getCommandId())
                .setAlertId(command.getAlertId())
                .setAction(command.getAction())
                .setNode(command.getNode())
                .setContainerId(command.getContainerId())
                .setIssuedAt(command.getIssuedAt())
                .setStatus(result == null ? null : result.getStatus())
                .setDetail(result == null ? null : result.getDetail())
                .setFinishedAt(result == null ? null : result.getFinishedAt())
                .build());
        incident.setResponses(responses);
        touch(incident, result == null ? command.getIssuedAt() : result.getFinishedAt());
        return Attached.ADDED;
    }

    /** Adds the evidence reference {@code result} carries, if any; true when the incident changed. */
    boolean addEvidence(Incident incident, ResponseResult result) {
        String reference = evidenceReference(result);
        if (reference == null) {
            return false;
        }
        List<String> evidence = appendDistinct(incident.getEvidence(), reference, settings.maxAlertIds());
        if (evidence == null) {
            return false;
        }
        incident.setEvidence(evidence);
        return true;
    }

    /**
     * Where the evidence of a snapshot that was done lies: {@code node:bundle-directory} as the responder reported it
     * (a KILL_CONTAINER that took a snapshot first reports it too); {@code node:command <id>} when the detail does not
     * name the bundle (the responder's audit log does). Null for any other result.
     */
    static String evidenceReference(ResponseResult result) {
        if (result == null || result.getStatus() != ResponseStatus.DONE) {
            return null;
        }
        String detail = result.getDetail() == null ? "" : result.getDetail();
        Matcher bundle = BUNDLE.matcher(detail);
        String where = result.getNode() == null || result.getNode().isBlank() ? "" : result.getNode() + ":";
        if (result.getAction() == ResponseAction.SNAPSHOT_EVIDENCE) {
            return where + (bundle.find() ? bundle.group(1) : "command " + result.getCommandId());
        }
        if (result.getAction() == ResponseAction.KILL_CONTAINER && bundle.find()) {
            return where + bundle.group(1);
        }
        return null;
    }

    /** Whether {@code result} contained the container: a pause, isolation or kill that was done. */
    static boolean contains(ResponseResult result) {
        return result != null && result.getStatus() == ResponseStatus.DONE && CONTAINING.contains(result.getAction());
    }

    /** Adds a capture id; true when the incident did not have it. */
    boolean addCapture(Incident incident, String captureId, long time) {
        List<String> captures = appendDistinct(incident.getCaptureIds(), captureId, settings.maxAlertIds());
        if (captures == null) {
            return false;
        }
        incident.setCaptureIds(captures);
        touch(incident, time);
        return true;
    }

    /** Applies a change the lifecycle allows (the caller checked it) and records it in the history. */
    static void changeStatus(Incident incident, IncidentStatusChange change) {
        incident.setStatus(change.getStatus());
        List<IncidentStatusChange> history = new ArrayList<>(incident.getHistory());
        history.add(change);
        while (history.size() > MAX_HISTORY) {
            history.remove(0);
        }
        incident.setHistory(history);
        touch(incident, change.getAt());
    }

    /** updatedAt never goes back: inputs of different kinds carry times from different clocks. */
    static void touch(Incident incident, long time) {
        incident.setUpdatedAt(Math.max(incident.getUpdatedAt(), time));
    }

    private static String title(Alert alert) {
        if (alert.getMessage() != null && !alert.getMessage().isBlank()) {
            return alert.getMessage();
        }
        return alert.getRuleName() != null ? alert.getRuleName() : alert.getRuleId();
    }

    /** The sorted distinct union, at most {@code max} values (values beyond it that are new are left out). */
    static List<String> sortedUnion(Collection<String> have, Collection<String> add, int max) {
        TreeSet<String> union = new TreeSet<>(have);
        for (String value : add) {
            if (value != null && !value.isBlank() && union.size() < max) {
                union.add(value);
            }
        }
        return List.copyOf(union);
    }

    /** {@code have} with {@code value} at its end, or null when it holds the value already or is full. */
    private static List<String> appendDistinct(List<String> have, String value, int max) {
        if (have.contains(value) || have.size() >= max) {
            return null;
        }
        List<String> list = new ArrayList<>(have);
        list.add(value);
        return list;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        if (((a ^ sum) & (b ^ sum)) < 0) {
            return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
        }
        return sum;
    }
}
