package io.driftwatch.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.FileEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.JsonProperties;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCompatibilityTest {
    /** Surefire runs in the module directory. */
    private static final Path RELEASED = Path.of("released");

    @Test
    void everyRecordIsBackwardCompatibleWithEveryRelease() throws Exception {
        assertFalse(SchemaCompatibilityCheck.releases(RELEASED).isEmpty(), "no released schemas under " + RELEASED.toAbsolutePath());
        List<SchemaCompatibilityCheck.Problem> problems = SchemaCompatibilityCheck.check(RELEASED, Records.ALL);
        assertTrue(problems.isEmpty(), () -> "Incompatible schema changes:\n" + problems);
    }

    /** Records added since the newest release: they have no released schema to stay compatible with yet. */
    private static final java.util.Set<String> NEW_SINCE_THE_LAST_RELEASE = java.util.Set.of("Incident", "IncidentInput",
            "Capture", "ImageBaseline", "IncidentNotification", "DrillReport");

    @Test
    void everyRecordHasAReleasedSchemaUnlessItIsNewSinceTheLastRelease() throws Exception {
        List<Path> releases = SchemaCompatibilityCheck.releases(RELEASED);
        Path newest = releases.get(releases.size() - 1);
        java.util.Set<String> unreleased = new java.util.TreeSet<>();
        for (var record : Records.ALL) {
            if (!Files.exists(newest.resolve(record.getSimpleName() + ".avsc"))) {
                unreleased.add(record.getSimpleName());
            }
        }
        // A record missing here was left out of the compatibility check by mistake, or is new: then list it above
        // (and empty the list when the next release is written with SchemaCompatibilityCheck release).
        assertEquals(new java.util.TreeSet<>(NEW_SINCE_THE_LAST_RELEASE), unreleased);
    }

    @Test
    void noReleasedRecordWasRemoved() throws Exception {
        java.util.Set<String> current = new java.util.TreeSet<>();
        Records.ALL.forEach(r -> current.add(r.getSimpleName()));
        for (Path release : SchemaCompatibilityCheck.releases(RELEASED)) {
            try (var files = Files.list(release)) {
                files.map(f -> f.getFileName().toString().replace(".avsc", ""))
                        .forEach(name -> assertTrue(current.contains(name), name + " of release " + release.getFileName()
                                + " is no longer a record: removing one breaks its consumers"));
            }
        }
    }

    @Test
    void addingAFieldWithoutADefaultIsCaught() {
        Schema released = FileEvent.getClassSchema();
        Schema changed = withExtraField(released, new Schema.Field("containerImage", Schema.create(Schema.Type.STRING)));
        String problem = SchemaCompatibilityCheck.backwardProblem(changed, released);
        assertNotNull(problem, "a field without default must break backward compatibility");
        assertTrue(problem.contains("READER_FIELD_MISSING_DEFAULT_VALUE") && problem.contains("containerImage"), problem);
    }

    @Test
    void addingAFieldWithADefaultIsAccepted() {
        Schema released = FileEvent.getClassSchema();
        Schema optional = Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING));
        Schema changed = withExtraField(released, new Schema.Field("containerImage", optional, null, JsonProperties.NULL_VALUE));
        assertNull(SchemaCompatibilityCheck.backwardProblem(changed, released));
    }

    @Test
    void theWholeCheckReportsAReleaseThatTheCurrentSchemaCannotRead(@TempDir Path releasedRoot) throws Exception {
        // A release that had no 'path' field cannot be read by today's FileEvent, whose 'path' has no default.
        SchemaCompatibilityCheck.release(releasedRoot, "0.0.9", Records.ALL);
        Path released = releasedRoot.resolve("0.0.9/FileEvent.avsc");
        Schema current = FileEvent.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            if (!f.name().equals("path")) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        Schema older = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        Files.writeString(released, older.toString(true));

        List<SchemaCompatibilityCheck.Problem> problems = SchemaCompatibilityCheck.check(releasedRoot, Records.ALL);
        // Only the record whose release changed is reported; the others still match their releases.
        assertEquals(List.of("FileEvent"), problems.stream().map(SchemaCompatibilityCheck.Problem::record).toList(),
                problems.toString());
        assertTrue(problems.get(0).description().contains("path"), problems.toString());
    }

    private static Schema withExtraField(Schema base, Schema.Field extra) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(extra);
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }
}
