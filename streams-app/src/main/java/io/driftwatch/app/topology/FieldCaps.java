package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.text.FieldText;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the app lets into the pipeline, whatever the producer sent (src/operations.md, "Hostile
 * input"): each text field at most its cap in characters, a list or map at most so many entries,
 * and no raw control characters (written {@code \xNN}, see {@link FieldText}). A value that was cut
 * is named in the record's {@code truncated} list, so rules and people can see it. With the caps
 * the largest enriched event or alert stays far below the broker's default 1 MiB record limit.
 *
 * <p>Identifiers (eventId, containerId, sessionId) are never cut, since joins and ids derive from
 * them: one longer than {@link #maxId} or holding a control character makes the record invalid
 * ({@link RecordChecks}).
 */
public record FieldCaps(int maxCmdline, int maxPath, int maxText, int maxEntries, int maxId, int maxRecordBytes) {
    public static final String MAX_CMDLINE = "driftwatch.field.max.cmdline";
    public static final String MAX_PATH = "driftwatch.field.max.path";
    public static final String MAX_TEXT = "driftwatch.field.max.text";
    public static final String MAX_ENTRIES = "driftwatch.field.max.entries";
    public static final String MAX_ID = "driftwatch.field.max.id";

    /** The producer's limit on one record, as Kafka's default {@code max.request.size}. */
    static final int DEFAULT_MAX_REQUEST = 1_048_576;
    /** Kept free below the producer's limit for the key, headers and batch overhead. */
    static final int RECORD_MARGIN = 64 * 1024;

    public static FieldCaps defaults() {
        return new FieldCaps(4096, 4096, 1024, 256, 256, DEFAULT_MAX_REQUEST - RECORD_MARGIN);
    }

    public static FieldCaps from(DriftwatchConfig config) {
        FieldCaps d = defaults();
        String request = config.get("producer.max.request.size", config.get("max.request.size"));
        int maxRequest = request == null || request.isBlank() ? DEFAULT_MAX_REQUEST : Integer.parseInt(request.trim());
        return new FieldCaps(positive(config, MAX_CMDLINE, d.maxCmdline), positive(config, MAX_PATH, d.maxPath),
                positive(config, MAX_TEXT, d.maxText), positive(config, MAX_ENTRIES, d.maxEntries),
                positive(config, MAX_ID, d.maxId), Math.max(16 * 1024, maxRequest - RECORD_MARGIN));
    }

    /** The event within its caps: the same instance when nothing had to change. */
    public FileEvent apply(FileEvent event) {
        Cutter cut = new Cutter(event.getTruncated());
        String path = cut.text("path", event.getPath(), maxPath);
        String newPath = cut.text("newPath", event.getNewPath(), maxPath);
        String exe = cut.text("exe", event.getExe(), maxPath);
        String cmdline = cut.text("cmdline", event.getCmdline(), maxCmdline);
        String processName = cut.text("processName", event.getProcessName(), maxText);
        String parent = cut.text("parentProcessName", event.getParentProcessName(), maxText);
        String node = cut.text("node", event.getNode(), maxText);
        String source = cut.text("source", event.getSource(), maxText);
        String processInfo = cut.text("processInfo", event.getProcessInfo(), maxText);
        if (!cut.changed) {
            return event;
        }
        return FileEvent.newBuilder(event).setPath(path).setNewPath(newPath).setExe(exe).setCmdline(cmdline)
                .setProcessName(processName).setParentProcessName(parent).setNode(node).setSource(source)
                .setProcessInfo(processInfo).setTruncated(cut.truncated()).build();
    }

    public ContainerMetadata apply(ContainerMetadata metadata) {
        Cutter cut = new Cutter(metadata.getTruncated());
        String node = cut.text("node", metadata.getNode(), maxText);
        String runtime = cut.text("runtime", metadata.getRuntime(), maxText);
        String name = cut.text("containerName", metadata.getContainerName(), maxText);
        String image = cut.text("image", metadata.getImage(), maxText);
        String digest = cut.text("imageDigest", metadata.getImageDigest(), maxText);
        String pod = cut.text("podName", metadata.getPodName(), maxText);
        String namespace = cut.text("namespace", metadata.getNamespace(), maxText);
        String podUid = cut.text("podUid", metadata.getPodUid(), maxText);
        String rootfs = cut.text("rootfs", metadata.getRootfs(), maxPath);
        Map<String, String> labels = cut.map("labels", metadata.getLabels(), maxText, maxEntries);
        if (!cut.changed) {
            return metadata;
        }
        return ContainerMetadata.newBuilder(metadata).setNode(node).setRuntime(runtime).setContainerName(name)
                .setImage(image).setImageDigest(digest).setPodName(pod).setNamespace(namespace).setPodUid(podUid)
                .setRootfs(rootfs).setLabels(labels).setTruncated(cut.truncated()).build();
    }

    public ExecSession apply(ExecSession session) {
        Cutter cut = new Cutter(session.getTruncated());
        String user = cut.text("user", session.getUser(), maxText);
        List<String> groups = cut.list("groups", session.getGroups(), maxText, maxEntries);
        List<String> sourceIps = cut.list("sourceIps", session.getSourceIps(), maxText, maxEntries);
        String namespace = cut.text("namespace", session.getNamespace(), maxText);
        String pod = cut.text("podName", session.getPodName(), maxText);
        String name = cut.text("containerName", session.getContainerName(), maxText);
        String command = cut.text("command", session.getCommand(), maxCmdline);
        if (!cut.changed) {
            return session;
        }
        return ExecSession.newBuilder(session).setUser(user).setGroups(groups).setSourceIps(sourceIps)
                .setNamespace(namespace).setPodName(pod).setContainerName(name).setCommand(command)
                .setTruncated(cut.truncated()).build();
    }

    /** Why an identifier is unusable, or null. */
    String badId(String field, String value) {
        if (value == null) {
            return null;
        }
        if (value.length() > maxId) {
            return "field '" + field + "' is " + value.length() + " characters long; identifiers are at most " + maxId
                    + " (" + MAX_ID + ")";
        }
        if (!FieldText.escapeControls(value).equals(value)) {
            return "field '" + field + "' holds control characters: " + FieldText.escapeControls(FieldText.cap(value, 64));
        }
        return null;
    }

    private static int positive(DriftwatchConfig config, String key, int fallback) {
        String value = config.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed < 1) {
                throw new NumberFormatException("not positive");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be a positive number, was '" + value
                    + "'", e);
        }
    }

    /**
     * Collects what was cut; escaping control characters is a change but not a cut. Per event on the
     * hot path: nothing is allocated unless something is cut.
     */
    private static final class Cutter {
        private final List<String> already;
        private Set<String> names;
        private boolean changed;

        Cutter(List<String> already) {
            this.already = already == null ? List.of() : already;
        }

        private void cut(String field) {
            if (names == null) {
                names = new LinkedHashSet<>(already);
            }
            names.add(field);
        }

        String text(String field, String value, int max) {
            if (value == null) {
                return null;
            }
            String escaped = FieldText.escapeControls(value);
            String capped = FieldText.cap(escaped, max);
            if (capped.length() != escaped.length()) {
                cut(field);
            }
            if (capped != value) {
                changed = true;
            }
            return capped;
        }

        List<String> list(String field, List<String> values, int maxText, int maxEntries) {
            if (values == null) {
                return null;
            }
            List<String> out = new ArrayList<>(Math.min(values.size(), maxEntries));
            for (String value : values) {
                if (out.size() == maxEntries) {
                    cut(field);
                    changed = true;
                    break;
                }
                out.add(text(field, value, maxText));
            }
            return out;
        }

        Map<String, String> map(String field, Map<String, String> values, int maxText, int maxEntries) {
            if (values == null) {
                return null;
            }
            // Sorted, so that which entries are kept does not depend on the producer's order.
            Map<String, String> out = new TreeMap<>();
            for (Map.Entry<String, String> entry : new TreeMap<>(values).entrySet()) {
                if (out.size() == maxEntries) {
                    cut(field);
                    changed = true;
                    break;
                }
                out.put(text(field, entry.getKey(), maxText), text(field, entry.getValue(), maxText));
            }
            return out;
        }

        List<String> truncated() {
            return names == null ? already : List.copyOf(names);
        }
    }
}
