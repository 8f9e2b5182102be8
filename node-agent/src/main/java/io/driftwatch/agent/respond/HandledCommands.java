package io.driftwatch.agent.respond;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The command ids this responder has handled, kept in a file so that a command delivered again (a
 * replay, a rebalance, a restart before the offset was committed) is not acted on twice. The newest
 * {@code capacity} ids are kept; the file is rewritten when it has grown to twice that.
 */
final class HandledCommands implements AutoCloseable {
    private final Path file;
    private final int capacity;
    private final LinkedHashSet<String> ids = new LinkedHashSet<>();
    private BufferedWriter out;
    private int lines;

    HandledCommands(Path file, int capacity) throws IOException {
        this.file = file;
        this.capacity = capacity;
        Files.createDirectories(file.getParent());
        if (Files.exists(file)) {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String id : all.subList(Math.max(0, all.size() - capacity), all.size())) {
                if (!id.isBlank()) {
                    ids.add(id.strip());
                }
            }
            lines = all.size();
        }
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    boolean contains(String commandId) {
        return ids.contains(commandId);
    }

    /** Records a handled id, durably (flushed before this returns). */
    void add(String commandId) throws IOException {
        if (!ids.add(commandId)) {
            return;
        }
        if (ids.size() > capacity) {
            var it = ids.iterator();
            it.next();
            it.remove();
        }
        out.write(commandId);
        out.newLine();
        out.flush();
        if (++lines > 2 * capacity) {
            out.close();
            Files.write(file, ids, StandardCharsets.UTF_8);
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            lines = ids.size();
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
