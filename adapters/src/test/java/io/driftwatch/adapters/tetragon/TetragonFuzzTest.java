package io.driftwatch.adapters.tetragon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.json.JsonRecords;
import java.math.BigInteger;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded fuzzer: 120,000 mutations of the Tetragon sample lines (byte flips, truncation, inserted bytes, JSON
 * fields deleted, duplicated or replaced by random values, huge numbers) through the adapter. Every input must
 * end as a file event, a counted skip or a malformed reason ({@link MalformedTetragonEventException}); any other
 * exception fails the test with the input that caused it. Deterministic: the same seed gives the same inputs.
 */
class TetragonFuzzTest {
    private static final int INPUTS = 120_000;
    private static final long SEED = 0x7e7a9011L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void mutatedExportLinesEndAsEventsSkipsOrMalformedReasons() throws Exception {
        List<String> seeds = Files.readAllLines(TetragonAdapterTest.SAMPLE);
        Random random = new Random(SEED);
        long[] outcome = new long[4]; // event, skipped, malformed, blank
        long[] metadata = new long[1];
        long started = System.nanoTime();
        String[] current = new String[1];
        TetragonAdapter adapter = new TetragonAdapter(new TetragonAdapter.Output() {
            @Override
            public void metadata(ContainerMetadata record) {
                assertNotNull(record.getContainerId());
                JsonRecords.write(record);
                metadata[0]++;
            }

            @Override
            public void event(FileEvent event) {
                assertNotNull(event.getPath());
                assertNotNull(event.getContainerId());
                assertTrue(event.getEventId().startsWith("tetragon-"));
                JsonRecords.write(event); // what --dry-run prints and replay reads
                outcome[0]++;
            }

            @Override
            public void malformed(long line, String text, MalformedTetragonEventException reason) {
                assertNotNull(reason.getMessage());
                outcome[2]++;
            }
        });
        for (int i = 0; i < INPUTS; i++) {
            String input = mutate(seeds.get(random.nextInt(seeds.size())), random);
            current[0] = input;
            long before = outcome[0] + outcome[2];
            long skippedBefore = adapter.counts().skipped();
            try {
                adapter.line(i + 1, input);
            } catch (Throwable e) {
                fail("input " + i + " threw " + e + ":\n" + input, e);
            }
            long skipped = adapter.counts().skipped() - skippedBefore;
            outcome[1] += skipped;
            boolean blank = input.isBlank();
            if (blank) {
                outcome[3]++;
            }
            assertEquals(1, outcome[0] + outcome[2] - before + skipped + (blank ? 1 : 0),
                    "input " + i + " must end as exactly one of event, skip, malformed:\n" + input);
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("tetragon fuzz: %d inputs in %d ms: %d file events, %d skipped, %d malformed, %d blank; "
                + "%d container records%n", INPUTS, ms, outcome[0], outcome[1], outcome[2], outcome[3], metadata[0]);
        assertEquals(INPUTS, outcome[0] + outcome[1] + outcome[2] + outcome[3]);
        assertTrue(outcome[0] > INPUTS / 10, "the mutations must leave many inputs valid: " + outcome[0]);
        assertTrue(outcome[2] > INPUTS / 10, "and break many: " + outcome[2]);
    }

    static String mutate(String seed, Random random) throws Exception {
        String text = seed;
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            switch (random.nextInt(8)) {
                case 0 -> text = flip(text, random);
                case 1 -> text = text.isEmpty() ? text : text.substring(0, random.nextInt(text.length()));
                case 2 -> text = insert(text, random);
                default -> text = json(text, random);
            }
        }
        return text;
    }

    private static String flip(String text, Random random) {
        if (text.isEmpty()) {
            return text;
        }
        char[] chars = text.toCharArray();
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = random.nextInt(chars.length);
            chars[at] = (char) (chars[at] ^ (1 << random.nextInt(7)));
        }
        return new String(chars);
    }

    private static String insert(String text, Random random) {
        String[] pieces = {"\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\u0000", "\u00ff", "\ud83d\ude00", "null",
                "-", "e99", "\n", " "};
        int at = random.nextInt(text.length() + 1);
        return text.substring(0, at) + pieces[random.nextInt(pieces.length)] + text.substring(at);
    }

    /** A structural mutation: a field deleted, duplicated elsewhere, or its value replaced by a random one. */
    private static String json(String text, Random random) throws Exception {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (Exception notJson) {
            return flip(text, random);
        }
        if (root == null || !root.isContainerNode()) {
            return text;
        }
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            switch (random.nextInt(3)) {
                case 0 -> object.remove(name);
                case 1 -> {
                    JsonNode other = containers.get(random.nextInt(containers.size()));
                    if (other instanceof ObjectNode into) {
                        into.set(name, object.get(name).deepCopy());
                    }
                }
                default -> object.set(name, value(random));
            }
        } else if (target instanceof ArrayNode array) {
            if (array.size() > 0 && random.nextBoolean()) {
                array.remove(random.nextInt(array.size()));
            } else {
                array.add(value(random));
            }
        }
        return JSON.writeValueAsString(root);
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            Iterator<JsonNode> children = node.elements();
            while (children.hasNext()) {
                collect(children.next(), into);
            }
        }
    }

    private static JsonNode value(Random random) {
        return switch (random.nextInt(14)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(new BigInteger("9".repeat(1 + random.nextInt(60))));
            case 4 -> NODES.numberNode(random.nextDouble() * 1e300);
            case 5 -> NODES.numberNode(-1);
            case 6 -> NODES.textNode("");
            case 7 -> NODES.textNode("/" + "x".repeat(random.nextInt(300)));
            case 8 -> NODES.textNode("containerd://");
            case 9 -> NODES.textNode("+999999999-12-31T23:59:59Z");
            case 10 -> NODES.textNode(Long.toString(random.nextLong()));
            case 11 -> NODES.objectNode();
            case 12 -> NODES.arrayNode().add(NODES.objectNode().put("int_arg", random.nextInt()));
            default -> {
                ArrayNode deep = NODES.arrayNode();
                ArrayNode at = deep;
                for (int i = 0; i < 50; i++) {
                    ArrayNode next = NODES.arrayNode();
                    at.add(next);
                    at = next;
                }
                yield deep;
            }
        };
    }
}
