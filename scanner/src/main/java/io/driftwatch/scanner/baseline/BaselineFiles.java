package io.driftwatch.scanner.baseline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.schemas.json.JsonRecordException;
import io.driftwatch.schemas.json.JsonRecords;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Image baselines as JSON lines: the form {@code scan --baseline-out} writes, users read and diff, and
 * {@code replay --image-baselines} loads. The same records go to the {@code image-baselines} topic as Avro.
 *
 * <p>Each image is one header line ({@code imageDigest, image, scannedAt, scanner, layers}) and then one line per
 * path of its final filesystem ({@code imageDigest} and the {@link ImageFile} fields, plain JSON: {@code "mode": 493},
 * not Avro's JSON encoding). A line is a file line when it has a {@code path} (or a {@code kind}), else a header. Lines are one per
 * path rather than one record per image so that a manifest of 100,000 files stays greppable and diffable, and
 * several images can be concatenated into one file ({@code cat a.jsonl b.jsonl}); reading groups the file lines by
 * {@code imageDigest}, in any order.
 *
 * <p>Reading is strict, like replay's other inputs: a line that is not JSON, a missing required field, a kind that
 * is not one of {@code FILE, DIR, SYMLINK, HARDLINK, OTHER}, a relative path, a mode outside 07777, a path twice in
 * one image, a second header for one image, or file lines of an image that has no header all fail with
 * {@code file:line: message}. Values come from images, which are attacker-controlled: they are only ever data here.
 */
public final class BaselineFiles {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private BaselineFiles() {
    }

    /** Writes each baseline as its header line and one line per file, in the order given; flushes, does not close. */
    public static void write(Iterable<ImageBaseline> baselines, Writer out) throws IOException {
        for (ImageBaseline baseline : baselines) {
            ObjectNode header = NODES.objectNode();
            header.put("imageDigest", baseline.getImageDigest());
            header.put("image", baseline.getImage());
            header.put("scannedAt", baseline.getScannedAt());
            header.put("scanner", baseline.getScanner());
            ArrayNode layers = header.putArray("layers");
            baseline.getLayers().forEach(layers::add);
            out.write(JSON.writeValueAsString(header));
            out.write('\n');
            for (ImageFile file : baseline.getFiles()) {
                ObjectNode line = NODES.objectNode();
                line.put("imageDigest", baseline.getImageDigest());
                line.setAll(JsonRecords.toNode(file));
                out.write(JSON.writeValueAsString(line));
                out.write('\n');
            }
        }
        out.flush();
    }

    /**
     * Reads every image of a baseline file, in the order of their header lines, each with its files in line order.
     * Blank lines are skipped.
     *
     * @throws JsonRecordException for the first bad line, as {@code file:line: message}
     */
    public static List<ImageBaseline> read(Path file) throws IOException, JsonRecordException {
        Map<String, Image> images = new LinkedHashMap<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    readLine(line, number, images);
                } catch (JsonRecordException e) {
                    throw new JsonRecordException(file + ":" + number + ": " + e.getMessage(), e);
                }
            }
        }
        List<ImageBaseline> baselines = new ArrayList<>(images.size());
        for (Map.Entry<String, Image> entry : images.entrySet()) {
            Image image = entry.getValue();
            if (image.header == null) {
                throw new JsonRecordException(file + ":" + image.firstFileLine + ": no header line for image '"
                        + entry.getKey() + "' in this file (a header line has imageDigest, scannedAt and layers)");
            }
            for (int i = 0; i < image.files.size(); i++) {
                int layer = image.files.get(i).getLayer();
                if (!image.header.getLayers().isEmpty() && layer >= image.header.getLayers().size()) {
                    throw new JsonRecordException(file + ":" + image.fileLines.get(i) + ": field 'layer': " + layer
                            + " is not an index into the image's " + image.header.getLayers().size() + " layers");
                }
            }
            image.header.setFiles(image.files);
            baselines.add(image.header);
        }
        return baselines;
    }

    private static void readLine(String line, int number, Map<String, Image> images) throws JsonRecordException {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new JsonRecordException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new JsonRecordException("expected a JSON object (an image header or one of its files)");
        }
        JsonNode digestNode = node.get("imageDigest");
        if (digestNode == null || digestNode.isNull()) {
            throw new JsonRecordException("missing required field 'imageDigest'");
        }
        if (!digestNode.isTextual() || digestNode.asText().isBlank()) {
            throw new JsonRecordException("field 'imageDigest': expected a non-empty string such as 'sha256:<hex>'");
        }
        String digest = digestNode.asText();
        Image image = images.computeIfAbsent(digest, d -> new Image());
        if (node.has("path") || node.has("kind")) {
            ImageFile file = JsonRecords.fromNode(node, ImageFile.class);
            if (!file.getPath().startsWith("/")) {
                throw new JsonRecordException("field 'path': '" + shown(file.getPath()) + "' is not absolute");
            }
            if (file.getMode() < 0 || file.getMode() > 07777) {
                throw new JsonRecordException("field 'mode': " + file.getMode()
                        + " is outside 0..4095 (permission, setuid, setgid and sticky bits, in decimal)");
            }
            if (file.getLayer() < 0) {
                throw new JsonRecordException("field 'layer': " + file.getLayer() + " is negative");
            }
            if (!image.paths.add(file.getPath())) {
                throw new JsonRecordException("duplicate path '" + shown(file.getPath()) + "' in image '"
                        + shown(digest) + "'");
            }
            if (image.firstFileLine == 0) {
                image.firstFileLine = number;
            }
            image.files.add(file);
            image.fileLines.add(number);
        } else {
            if (image.header != null) {
                throw new JsonRecordException("second header line for image '" + shown(digest) + "' (first at line "
                        + image.headerLine + ")");
            }
            ObjectNode header = ((ObjectNode) node).deepCopy();
            header.remove("files");
            ImageBaseline baseline = JsonRecords.fromNode(header, ImageBaseline.class);
            baseline.setLayers(new ArrayList<>(baseline.getLayers()));
            image.header = baseline;
            image.headerLine = number;
        }
    }

    /** A value quoted in a message: cut, so that a hostile path cannot flood the terminal. */
    private static String shown(String value) {
        return value.length() > 200 ? value.substring(0, 200) + "..." : value;
    }

    private static final class Image {
        ImageBaseline header;
        int headerLine;
        int firstFileLine;
        final List<ImageFile> files = new ArrayList<>();
        final List<Integer> fileLines = new ArrayList<>();
        final Set<String> paths = new HashSet<>();
    }
}
