package io.driftwatch.adapters.tetragon;

import io.driftwatch.adapters.tetragon.TetragonEventParser.Parsed;
import io.driftwatch.adapters.tetragon.TetragonEventParser.Skip;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tetragon's JSON export, line by line, to {@link FileEvent}s and {@link ContainerMetadata} (see
 * src/adapters.md). A container's metadata record is emitted the first time the container is seen, and again
 * when what the events say about it changes (a label, the first process learned, its stop); events carry only
 * the container id. A line that is not a Tetragon event, or a file event that lacks what it needs, goes to
 * {@link Output#malformed}; other events (process_exit, network hooks, ...) are counted and skipped.
 *
 * <p>Not thread-safe.
 */
public final class TetragonAdapter {
    /** Containers remembered (for metadata changes and short ids); the oldest is forgotten beyond this. */
    static final int MAX_CONTAINERS = 100_000;

    /** Where the results go. */
    public interface Output {
        void metadata(ContainerMetadata metadata) throws Exception;

        void event(FileEvent event) throws Exception;

        void malformed(long line, String text, MalformedTetragonEventException reason) throws Exception;
    }

    /** Totals, for the summary and the tests. */
    public static final class Counts {
        public long lines;
        public long fileEvents;
        public long metadata;
        public long malformed;
        public long failed;
        public long otherHooks;
        public long otherAccess;
        public final Map<String, Long> otherEvents = new TreeMap<>();
        public final Map<EventType, Long> byType = new TreeMap<>();

        public long skipped() {
            return failed + otherHooks + otherAccess + otherEvents.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private final Output out;
    private final Counts counts = new Counts();
    private final LinkedHashMap<String, ContainerMetadata> containers = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ContainerMetadata> eldest) {
            return size() > MAX_CONTAINERS;
        }
    };

    public TetragonAdapter(Output out) {
        this.out = out;
    }

    public Counts counts() {
        return counts;
    }

    /** One line of the export (null text: a line too long to hold). */
    public void line(long number, String text) throws Exception {
        counts.lines++;
        if (text != null && text.isBlank()) {
            return;
        }
        Parsed parsed;
        try {
            if (text == null) {
                throw new MalformedTetragonEventException("line too long");
            }
            parsed = TetragonEventParser.parse(text);
        } catch (MalformedTetragonEventException e) {
            counts.malformed++;
            out.malformed(number, text == null ? "" : text, e);
            return;
        }
        FileEvent event = parsed.event();
        long time = event != null ? event.getTimestamp() : parsed.exitTime() != null ? parsed.exitTime() : 0;
        // Containers come with their file events; later lines about a known one (its stop) update it.
        if (parsed.container() != null && (event != null || containers.containsKey(parsed.container().getContainerId()))) {
            container(parsed.container(), time);
        }
        if (parsed.exitTime() != null && parsed.container() != null) {
            stopped(parsed.container().getContainerId(), parsed.exitTime());
        }
        if (event == null) {
            switch (parsed.skip()) {
                case FAILED -> counts.failed++;
                case OTHER_HOOK -> counts.otherHooks++;
                case OTHER_ACCESS -> counts.otherAccess++;
                default -> counts.otherEvents.merge(parsed.detail(), 1L, Long::sum);
            }
            return;
        }
        if (parsed.shortId()) {
            String full = fullId(event.getContainerId());
            if (full != null) {
                event.setContainerId(full);
            }
        }
        counts.fileEvents++;
        counts.byType.merge(event.getType(), 1L, Long::sum);
        out.event(event);
    }

    /** A container as an event describes it: emitted when new or changed (fields the event lacks are kept). */
    private void container(ContainerMetadata seen, long time) throws Exception {
        ContainerMetadata known = containers.get(seen.getContainerId());
        ContainerMetadata merged = ContainerMetadata.newBuilder(seen).build();
        if (known != null) {
            merged.setNode(or(seen.getNode(), known.getNode()));
            merged.setRuntime(or(seen.getRuntime(), known.getRuntime()));
            merged.setContainerName(or(seen.getContainerName(), known.getContainerName()));
            merged.setImage(or(seen.getImage(), known.getImage()));
            merged.setImageDigest(or(seen.getImageDigest(), known.getImageDigest()));
            merged.setPodName(or(seen.getPodName(), known.getPodName()));
            merged.setNamespace(or(seen.getNamespace(), known.getNamespace()));
            merged.setPodUid(or(seen.getPodUid(), known.getPodUid()));
            merged.setLabels(seen.getLabels().isEmpty() ? known.getLabels() : seen.getLabels());
            merged.setPrivileged(seen.getPrivileged() || known.getPrivileged());
            merged.setStartedAt(or(seen.getStartedAt(), known.getStartedAt()));
            merged.setInitPid(or(seen.getInitPid(), known.getInitPid()));
            merged.setStoppedAt(known.getStoppedAt());
        } else if (merged.getStartedAt() == null && time > 0) {
            merged.setStartedAt(time); // no container.start_time: first seen
        }
        if (!merged.equals(known)) {
            containers.put(merged.getContainerId(), merged);
            counts.metadata++;
            out.metadata(merged);
        }
    }

    private void stopped(String containerId, long at) throws Exception {
        ContainerMetadata known = containers.get(containerId);
        if (known == null || known.getStoppedAt() != null) {
            return;
        }
        ContainerMetadata stopped = ContainerMetadata.newBuilder(known).setStoppedAt(at).build();
        containers.put(containerId, stopped);
        counts.metadata++;
        out.metadata(stopped);
    }

    /** The full id of a container known by the short id Tetragon's {@code docker} field holds, or null. */
    private String fullId(String shortId) {
        if (containers.containsKey(shortId)) {
            return shortId;
        }
        for (String id : containers.keySet()) {
            if (id.startsWith(shortId)) {
                return id;
            }
        }
        return null;
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }

    /** One line of totals. */
    public String summary() {
        Counts c = counts;
        StringBuilder types = new StringBuilder();
        c.byType.forEach((type, n) -> types.append(types.length() == 0 ? "" : ", ").append(n).append(' ').append(type));
        StringBuilder others = new StringBuilder();
        c.otherEvents.forEach((kind, n) -> others.append(others.length() == 0 ? "" : ", ").append(n).append(' ').append(kind));
        return String.format("%d lines: %d file events (%s), %d container records; skipped: %d other events (%s), "
                        + "%d other hooks, %d refused or failed, %d neither read nor write; %d malformed",
                c.lines, c.fileEvents, types.length() == 0 ? "none" : types, c.metadata,
                c.otherEvents.values().stream().mapToLong(Long::longValue).sum(), others.length() == 0 ? "none" : others,
                c.otherHooks, c.failed, c.otherAccess, c.malformed);
    }
}
