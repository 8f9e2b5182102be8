package io.driftwatch.adapters.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer: 120,000 mutations of the events recorded from a real runc container (both log formats):
 * byte flips, truncated lines, fields deleted, duplicated or replaced by key=value garbage, huge numbers, bad
 * hex, lines dropped, doubled, reordered or moved to another event's stamp. Each input (an event's lines) goes
 * through a fresh adapter; every line must end in a record or a malformed reason, every event as a file event,
 * a counted skip or a malformed reason ({@link MalformedAuditException}), and nothing else may be thrown.
 */
class LinuxAuditFuzzTest {
    private static final int INPUTS = 120_000;
    private static final long SEED = 0xa0d17L;

    @Test
    void mutatedAuditEventsEndAsEventsSkipsOrMalformedReasons() throws Exception {
        List<List<String>> seeds = new ArrayList<>();
        seeds.addAll(groups(Files.readAllLines(LinuxAuditAdapterTest.ENRICHED)));
        seeds.addAll(groups(Files.readAllLines(LinuxAuditAdapterTest.RAW)));
        AuditContainerMap map = LinuxAuditAdapterTest.rt1("rt1").add("dw-dwaudit-rt1-raw*=raw")
                .add("/tmp/rt1-raw/bundle/rootfs=raw");
        Random random = new Random(SEED);
        long lines = 0;
        long records = 0;
        long malformedLines = 0;
        long events = 0;
        long fileEvents = 0;
        long skipped = 0;
        long malformedEvents = 0;
        long started = System.nanoTime();
        for (int i = 0; i < INPUTS; i++) {
            List<String> input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            long[] seen = new long[2];
            LinuxAuditAdapter adapter = new LinuxAuditAdapter(map, "node-a", new LinuxAuditAdapter.Output() {
                @Override
                public void event(FileEvent event) {
                    assertNotNull(event.getPath());
                    assertTrue(event.getPath().isEmpty() == false);
                    JsonRecords.write(event);
                    seen[0]++;
                }

                @Override
                public void malformed(long line, String text, MalformedAuditException reason) {
                    assertNotNull(reason.getMessage());
                    seen[1]++;
                }
            });
            try {
                for (int n = 0; n < input.size(); n++) {
                    adapter.line(n + 1, input.get(n));
                }
                adapter.finish();
            } catch (Throwable e) {
                fail("input " + i + " threw " + e + ":\n" + String.join("\n", input), e);
            }
            LinuxAuditAdapter.Counts c = adapter.counts();
            long blank = input.stream().filter(String::isBlank).count();
            assertEquals(input.size(), c.records + c.malformedLines + blank, "every line a record or malformed: " + input);
            assertEquals(c.events, c.fileEvents + c.skipped() + c.malformedEvents,
                    "every event a file event, a skip or malformed: " + input);
            assertEquals(c.fileEvents, seen[0]);
            assertEquals(c.malformed(), seen[1]);
            lines += input.size();
            records += c.records;
            malformedLines += c.malformedLines;
            events += c.events;
            fileEvents += c.fileEvents;
            skipped += c.skipped();
            malformedEvents += c.malformedEvents;
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("audit fuzz: %d inputs (%d lines) in %d ms: %d records, %d malformed lines; %d events: "
                        + "%d file events, %d skipped, %d malformed%n", INPUTS, lines, ms, records, malformedLines, events,
                fileEvents, skipped, malformedEvents);
        assertTrue(fileEvents > INPUTS / 10, "the mutations must leave many events valid: " + fileEvents);
        assertTrue(malformedEvents + malformedLines > INPUTS / 10, "and break many");
    }

    /** The recorded lines, grouped by their event's stamp. */
    static List<List<String>> groups(List<String> lines) {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (String line : lines) {
            int at = line.indexOf("msg=audit(");
            String stamp = at < 0 ? line : line.substring(at, line.indexOf(')', at));
            groups.computeIfAbsent(stamp, s -> new ArrayList<>()).add(line);
        }
        return new ArrayList<>(groups.values());
    }

    static List<String> mutate(List<String> seed, Random random) {
        List<String> lines = new ArrayList<>(seed);
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds && !lines.isEmpty(); r++) {
            int which = random.nextInt(lines.size());
            String line = lines.get(which);
            switch (random.nextInt(11)) {
                case 0 -> lines.set(which, flip(line, random));
                case 1 -> lines.set(which, line.substring(0, random.nextInt(line.length() + 1)));
                case 2 -> lines.set(which, dropField(line, random));
                case 3 -> lines.set(which, duplicateField(line, random));
                case 4, 5 -> lines.set(which, replaceValue(line, random));
                case 6 -> lines.set(which, line + " " + garbage(random));
                case 7 -> lines.remove(which);
                case 8 -> lines.add(random.nextInt(lines.size() + 1), line);
                case 9 -> {
                    int other = random.nextInt(lines.size());
                    lines.set(which, lines.get(other));
                    lines.set(other, line);
                }
                default -> lines.set(which, line.replaceFirst("audit\\(([0-9]+)\\.([0-9]+):([0-9]+)\\)",
                        "audit(" + stamp(random) + ")"));
            }
        }
        return lines;
    }

    private static String flip(String text, Random random) {
        if (text.isEmpty()) {
            return text;
        }
        char[] chars = text.toCharArray();
        for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
            int at = random.nextInt(chars.length);
            chars[at] = (char) (chars[at] ^ (1 << random.nextInt(7)));
        }
        return new String(chars);
    }

    private static List<int[]> fields(String line) {
        List<int[]> spans = new ArrayList<>();
        int start = line.indexOf("): ");
        int i = start < 0 ? 0 : start + 3;
        while (i < line.length()) {
            int end = line.indexOf(' ', i);
            end = end < 0 ? line.length() : end;
            if (line.substring(i, end).contains("=")) {
                spans.add(new int[] {i, end});
            }
            i = end + 1;
        }
        return spans;
    }

    private static String dropField(String line, Random random) {
        List<int[]> spans = fields(line);
        if (spans.isEmpty()) {
            return line;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return line.substring(0, span[0]) + line.substring(Math.min(line.length(), span[1] + 1));
    }

    private static String duplicateField(String line, Random random) {
        List<int[]> spans = fields(line);
        if (spans.isEmpty()) {
            return line;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        return line.substring(0, span[0]) + line.substring(span[0], span[1]).replaceFirst("=.*", "=" + value(random))
                + " " + line.substring(span[0]);
    }

    private static String replaceValue(String line, Random random) {
        List<int[]> spans = fields(line);
        if (spans.isEmpty()) {
            return line;
        }
        int[] span = spans.get(random.nextInt(spans.size()));
        String field = line.substring(span[0], span[1]);
        String key = field.substring(0, field.indexOf('='));
        return line.substring(0, span[0]) + key + "=" + value(random) + line.substring(span[1]);
    }

    private static String value(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> "";
            case 1 -> "99999999999999999999999999";
            case 2 -> "-1";
            case 3 -> "4294967295";
            case 4 -> "ZZ";
            case 5 -> "ABC";
            case 6 -> "\"unterminated";
            case 7 -> "\"\"";
            case 8 -> "(null)";
            case 9 -> "ffffffffffffffffff";
            case 10 -> Long.toHexString(random.nextLong());
            case 11 -> Long.toString(random.nextLong());
            case 12 -> "'single quoted'";
            case 13 -> "0" + Long.toOctalString(random.nextLong() & 0xffffff);
            case 14 -> "\"/" + "a/".repeat(random.nextInt(200)) + "\"";
            default -> "2F2E2E2F2E2E00" + "41".repeat(random.nextInt(10));
        };
    }

    private static String garbage(Random random) {
        String[] keys = {"item", "name", "nametype", "mode", "syscall", "arch", "success", "pid", "key", "a0", "a1",
                "a2", "argc", "cwd", "proctitle", "\u001dSYSCALL", "", "=", "x"};
        return keys[random.nextInt(keys.length)] + "=" + value(random);
    }

    private static String stamp(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> "1795331600.438:" + random.nextInt(200);
            case 1 -> random.nextLong() + ".1:2";
            case 2 -> "999999999999.999:999999999999999999";
            default -> "0.000:0";
        };
    }
}
