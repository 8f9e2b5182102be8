package io.driftwatch.app.topology;

import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The trail's index: for each value a filter asks about (a path, a user, a process...), which
 * containers had an event with it in which time bucket (paths by their directory). A query looks its filters up here, keeps
 * the (container, bucket) pairs every filter names, and reads only those containers' trails over
 * those buckets, checking each event exactly. Writing costs one store put per new (value,
 * container, bucket), not per event: most events repeat a path, process and user seen a moment
 * before. Keys are {@code dimension NUL value}.
 */
public final class TrailIndex {
    /** Every container with events in the bucket (for queries with no other indexed filter). */
    public static final String CONTAINER = "c";
    public static final String POD = "p";
    public static final String NAMESPACE = "n";
    public static final String NODE = "N";
    public static final String IMAGE = "i";
    public static final String USER = "u";
    public static final String SESSION = "s";
    public static final String PROCESS = "P";
    public static final String EXE = "e";
    /**
     * The directory of the event's path (and of a RENAME's, LINK's or SYMLINK's newPath), with its trailing slash:
     * paths are many (every temporary file, every log), their directories few, and a path or prefix query finds its
     * candidates through them ({@link #directory}).
     */
    public static final String DIRECTORY = "d";
    public static final String TYPE = "t";
    /** Permission changes: CHMOD, and setuid/setgid bits added ({@link #isModeChange}). */
    public static final String MODE_CHANGE = "m";
    /** ruleId → alertId at the alert's time (not bucketed). */
    public static final String RULE = "r";
    static final char SEPARATOR = '\u0000';
    /** Sorts after every character a value can hold (U+10FFFF), for prefix ranges. */
    public static final String HIGHEST = "\udbff\udfff";

    private TrailIndex() {
    }

    public static String key(String dimension, String value) {
        return dimension + SEPARATOR + value;
    }

    /** Everything up to and including the last slash ({@code /etc/} for {@code /etc/passwd}); "" without one. */
    public static String directory(String path) {
        if (path == null) {
            return null;
        }
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash + 1);
    }

    /** A mode change an investigator asks for: any CHMOD, and any event that adds a setuid or setgid bit. */
    public static boolean isModeChange(FileEvent event) {
        if (event.getType() == EventType.CHMOD) {
            return true;
        }
        Integer mode = event.getMode();
        if (mode == null || (mode & 06000) == 0) {
            return false;
        }
        Integer before = event.getPreviousMode();
        return before == null || (mode & 06000 & ~before) != 0;
    }

    /** The index keys of one event (without duplicates). */
    static List<String> keysOf(EnrichedEvent enriched) {
        FileEvent event = enriched.getEvent();
        List<String> keys = new ArrayList<>(12);
        keys.add(key(CONTAINER, ""));
        ContainerMetadata container = enriched.getContainer();
        if (container != null) {
            add(keys, POD, container.getPodName());
            add(keys, NAMESPACE, container.getNamespace());
            add(keys, IMAGE, container.getImage());
            add(keys, NODE, container.getNode() != null ? container.getNode() : event.getNode());
        } else {
            add(keys, NODE, event.getNode());
        }
        for (String user : enriched.getUsers()) {
            add(keys, USER, user);
        }
        for (String session : enriched.getSessions()) {
            add(keys, SESSION, session);
        }
        add(keys, PROCESS, event.getProcessName());
        add(keys, EXE, event.getExe());
        add(keys, DIRECTORY, directory(event.getPath()));
        if (event.getNewPath() != null) {
            add(keys, DIRECTORY, directory(event.getNewPath()));
        }
        keys.add(key(TYPE, event.getType().name()));
        if (isModeChange(event)) {
            keys.add(key(MODE_CHANGE, ""));
        }
        return keys;
    }

    private static void add(List<String> keys, String dimension, String value) {
        if (value != null && !value.isEmpty()) {
            String key = key(dimension, value);
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
    }
}
