package io.driftwatch.scanner.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.ImageFile;
import io.driftwatch.model.ImageFileKind;
import io.driftwatch.schemas.json.JsonRecordException;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineFilesTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String HASH = "0123456789abcdef".repeat(4);

    @TempDir
    Path dir;

    private static ImageFile file(String path, ImageFileKind kind, String sha, int mode, String target, int layer) {
        return ImageFile.newBuilder().setPath(path).setKind(kind).setSha256(sha).setMode(mode).setUid(0).setGid(0)
                .setSize(sha == null ? 0 : 1234).setLinkTarget(target).setLayer(layer).build();
    }

    private static ImageBaseline image(String digest, String ref, List<ImageFile> files) {
        return ImageBaseline.newBuilder().setImageDigest(digest).setImage(ref).setScannedAt(1764000000000L)
                .setScanner("0.1.0").setLayers(List.of("sha256:" + "1".repeat(64), "sha256:" + "2".repeat(64)))
                .setFiles(files).build();
    }

    private static List<ImageBaseline> twoImages() {
        return List.of(
                image(A, "oci:/x:1.0", List.of(
                        file("/usr", ImageFileKind.DIR, null, 0755, null, 0),
                        file("/usr/bin", ImageFileKind.DIR, null, 0755, null, 0),
                        file("/usr/bin/env", ImageFileKind.FILE, HASH, 0755, null, 1),
                        file("/bin", ImageFileKind.SYMLINK, null, 0777, "usr/bin", 0),
                        file("/usr/bin/su", ImageFileKind.FILE, HASH, 04755, null, 1),
                        file("/usr/bin/su2", ImageFileKind.HARDLINK, HASH, 04755, "/usr/bin/su", 1),
                        file("/dev/null", ImageFileKind.OTHER, null, 0666, null, 0))),
                image(B, null, List.of(file("/etc/passwd", ImageFileKind.FILE, HASH, 0644, null, 0))));
    }

    private Path writeLines(String... lines) throws IOException {
        Path file = dir.resolve("baseline.jsonl");
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void writesHeaderThenOneLinePerFileAsPlainJson() throws IOException {
        StringWriter out = new StringWriter();
        BaselineFiles.write(twoImages(), out);
        String[] lines = out.toString().split("\n");
        assertEquals(1 + 7 + 1 + 1, lines.length);
        ObjectMapper json = new ObjectMapper();
        JsonNode header = json.readTree(lines[0]);
        assertEquals(A, header.get("imageDigest").asText());
        assertEquals("oci:/x:1.0", header.get("image").asText());
        assertEquals(1764000000000L, header.get("scannedAt").asLong());
        assertEquals("0.1.0", header.get("scanner").asText());
        assertEquals(2, header.get("layers").size());
        assertTrue(!header.has("path") && !header.has("files"), lines[0]);
        JsonNode env = json.readTree(lines[3]);
        assertEquals(A, env.get("imageDigest").asText());
        assertEquals("/usr/bin/env", env.get("path").asText());
        assertEquals("FILE", env.get("kind").asText());
        assertEquals(HASH, env.get("sha256").asText());
        assertEquals(493, env.get("mode").intValue(), "mode is plain decimal, not Avro's {\"int\": ...}");
        assertTrue(env.get("linkTarget").isNull(), "every field is written, null where empty");
        assertEquals(1, env.get("layer").intValue());
        JsonNode header2 = json.readTree(lines[8]);
        assertEquals(B, header2.get("imageDigest").asText());
        assertTrue(header2.get("image").isNull());
    }

    @Test
    void readGivesBackWhatWasWritten() throws Exception {
        Path file = dir.resolve("round.jsonl");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            BaselineFiles.write(twoImages(), out);
        }
        assertEquals(twoImages(), BaselineFiles.read(file));
    }

    @Test
    void groupsFileLinesByImageInAnyOrder() throws Exception {
        Path file = writeLines(
                "{\"imageDigest\":\"" + B + "\",\"scannedAt\":5,\"layers\":[]}",
                "{\"imageDigest\":\"" + A + "\",\"path\":\"/a\",\"kind\":\"FILE\",\"sha256\":\"" + HASH
                        + "\",\"mode\":420,\"layer\":0}",
                "",
                "{\"imageDigest\":\"" + B + "\",\"path\":\"/b\",\"kind\":\"DIR\",\"mode\":493,\"layer\":0}",
                "{\"imageDigest\":\"" + A + "\",\"scannedAt\":7,\"layers\":[\"sha256:1\"],\"unknown\":1}",
                "{\"imageDigest\":\"" + A + "\",\"path\":\"/b\",\"kind\":\"SYMLINK\",\"mode\":511,\"linkTarget\":\"a\","
                        + "\"layer\":0}");
        List<ImageBaseline> read = BaselineFiles.read(file);
        assertEquals(2, read.size());
        assertEquals(B, read.get(0).getImageDigest(), "images in the order of their headers");
        assertEquals(List.of("/b"), read.get(0).getFiles().stream().map(ImageFile::getPath).toList());
        assertEquals(5L, read.get(0).getScannedAt());
        assertNull(read.get(0).getImage());
        ImageBaseline a = read.get(1);
        assertEquals(List.of("/a", "/b"), a.getFiles().stream().map(ImageFile::getPath).toList());
        assertEquals(ImageFileKind.SYMLINK, a.getFiles().get(1).getKind());
        assertEquals("a", a.getFiles().get(1).getLinkTarget());
        assertEquals(0L, a.getFiles().get(0).getUid(), "uid, gid and size default to 0");
    }

    @Test
    void emptyFileHasNoImages() throws Exception {
        assertEquals(List.of(), BaselineFiles.read(writeLines("")));
    }

    private String errorOf(String... lines) throws IOException {
        Path file = writeLines(lines);
        JsonRecordException e = assertThrows(JsonRecordException.class, () -> BaselineFiles.read(file));
        return e.getMessage().substring(file.toString().length());
    }

    private static String header(String digest) {
        return "{\"imageDigest\":\"" + digest + "\",\"scannedAt\":1,\"layers\":[\"sha256:1\"]}";
    }

    private static String fileLine(String digest, String path, String kind) {
        return "{\"imageDigest\":\"" + digest + "\",\"path\":\"" + path + "\",\"kind\":\"" + kind
                + "\",\"mode\":420,\"layer\":0}";
    }

    @Test
    void fileLineOfAnImageWithoutHeaderIsAnErrorAtThatLine() throws IOException {
        String message = errorOf(header(A), fileLine(A, "/a", "FILE"), fileLine(B, "/b", "FILE"),
                fileLine(B, "/c", "FILE"));
        assertEquals(":3: no header line for image '" + B
                + "' in this file (a header line has imageDigest, scannedAt and layers)", message);
    }

    @Test
    void missingRequiredFieldsAreErrors() throws IOException {
        assertEquals(":2: missing required field 'mode'", errorOf(header(A),
                "{\"imageDigest\":\"" + A + "\",\"path\":\"/a\",\"kind\":\"FILE\",\"layer\":0}"));
        assertEquals(":2: missing required field 'path'", errorOf(header(A),
                "{\"imageDigest\":\"" + A + "\",\"kind\":\"FILE\",\"mode\":420,\"layer\":0}"));
        assertEquals(":1: missing required field 'imageDigest'", errorOf(
                "{\"path\":\"/a\",\"kind\":\"FILE\",\"mode\":420,\"layer\":0}"));
        assertEquals(":1: missing required field 'scannedAt'", errorOf("{\"imageDigest\":\"" + A + "\"}"));
    }

    @Test
    void badKindIsAnError() throws IOException {
        String message = errorOf(header(A), fileLine(A, "/a", "SOCKET"));
        assertTrue(message.startsWith(":2: field 'kind': \"SOCKET\" is not one of [FILE, DIR, SYMLINK, HARDLINK, OTHER]"),
                message);
    }

    @Test
    void duplicatePathWithinOneImageIsAnErrorButNotAcrossImages() throws Exception {
        assertEquals(":3: duplicate path '/a' in image '" + A + "'",
                errorOf(header(A), fileLine(A, "/a", "FILE"), fileLine(A, "/a", "DIR")));
        Path ok = writeLines(header(A), header(B), fileLine(A, "/a", "FILE"), fileLine(B, "/a", "FILE"));
        assertEquals(2, BaselineFiles.read(ok).size());
    }

    @Test
    void otherBadLinesNameFileAndLine() throws IOException {
        assertTrue(errorOf(header(A), "{not json").startsWith(":2: not valid JSON"));
        assertEquals(":2: expected a JSON object (an image header or one of its files)", errorOf(header(A), "[1]"));
        assertEquals(":2: field 'path': 'usr/bin/env' is not absolute", errorOf(header(A), fileLine(A, "usr/bin/env",
                "FILE")));
        assertEquals(":2: field 'mode': 4096 is outside 0..4095 (permission, setuid, setgid and sticky bits, in decimal)",
                errorOf(header(A), "{\"imageDigest\":\"" + A + "\",\"path\":\"/a\",\"kind\":\"FILE\",\"mode\":4096,"
                        + "\"layer\":0}"));
        assertEquals(":2: field 'mode': expected an integer, found \"0755\"",
                errorOf(header(A), "{\"imageDigest\":\"" + A + "\",\"path\":\"/a\",\"kind\":\"FILE\",\"mode\":\"0755\","
                        + "\"layer\":0}"));
        assertEquals(":2: second header line for image '" + A + "' (first at line 1)", errorOf(header(A), header(A)));
        assertEquals(":2: field 'layer': 3 is not an index into the image's 1 layers", errorOf(header(A),
                "{\"imageDigest\":\"" + A + "\",\"path\":\"/a\",\"kind\":\"FILE\",\"mode\":420,\"layer\":3}"));
        assertEquals(":1: field 'imageDigest': expected a non-empty string such as 'sha256:<hex>'",
                errorOf("{\"imageDigest\":7,\"scannedAt\":1}"));
    }
}
