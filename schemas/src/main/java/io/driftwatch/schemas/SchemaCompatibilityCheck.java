package io.driftwatch.schemas;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecord;

/**
 * Holds the current schemas to the released ones with Avro's own checker. Backward compatible
 * means: a consumer on the new schema can read every record written with any released schema.
 * Released schemas live in {@code schemas/released/<version>/<RecordName>.avsc}.
 */
public final class SchemaCompatibilityCheck {

    /** One incompatibility: which record, against which release, and Avro's explanation. */
    public record Problem(String record, String release, String description) {
        @Override
        public String toString() {
            return record + " is not backward compatible with release " + release + ": " + description;
        }
    }

    private SchemaCompatibilityCheck() {
    }

    /** Whether a reader with {@code current} can read data written with {@code released}; null if it can. */
    public static String backwardProblem(Schema current, Schema released) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(current, released);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + ": " + i.getMessage())
                .reduce((a, b) -> a + "; " + b)
                .orElse(result.getDescription());
    }

    /** Checks every current record against every released version that has it; returns all problems at once. */
    public static List<Problem> check(Path releasedRoot, List<Class<? extends SpecificRecord>> records) throws IOException {
        List<Problem> problems = new ArrayList<>();
        for (Path release : releases(releasedRoot)) {
            for (Class<? extends SpecificRecord> record : records) {
                Path file = release.resolve(record.getSimpleName() + ".avsc");
                if (!Files.exists(file)) {
                    continue;
                }
                Schema released = new Schema.Parser().parse(file.toFile());
                String problem = backwardProblem(Records.schemaOf(record), released);
                if (problem != null) {
                    problems.add(new Problem(record.getSimpleName(), release.getFileName().toString(), problem));
                }
            }
        }
        return problems;
    }

    public static List<Path> releases(Path releasedRoot) throws IOException {
        try (Stream<Path> entries = Files.list(releasedRoot)) {
            return entries.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** Writes the current schemas as a new release (run when a version ships): {@code <root>/<version>/}. */
    public static void release(Path releasedRoot, String version, List<Class<? extends SpecificRecord>> records)
            throws IOException {
        Path dir = releasedRoot.resolve(version);
        if (Files.exists(dir)) {
            throw new IOException("Release " + version + " exists already at " + dir + ": released schemas never change");
        }
        Files.createDirectories(dir);
        for (Class<? extends SpecificRecord> record : records) {
            Files.writeString(dir.resolve(record.getSimpleName() + ".avsc"), Records.schemaOf(record).toString(true) + "\n");
        }
    }

    /** {@code java ... SchemaCompatibilityCheck check <releasedRoot>} or {@code release <releasedRoot> <version>}. */
    public static void main(String[] args) throws IOException {
        if (args.length >= 2 && args[0].equals("check")) {
            List<Problem> problems = check(Path.of(args[1]), Records.ALL);
            problems.forEach(System.err::println);
            System.out.println(problems.isEmpty() ? "All schemas are backward compatible with every release."
                    : problems.size() + " incompatibilit" + (problems.size() == 1 ? "y" : "ies"));
            System.exit(problems.isEmpty() ? 0 : 1);
        } else if (args.length >= 3 && args[0].equals("release")) {
            release(Path.of(args[1]), args[2], Records.ALL);
            System.out.println("Wrote release " + args[2] + " to " + Path.of(args[1]).resolve(args[2]));
        } else {
            System.err.println("usage: SchemaCompatibilityCheck check <releasedRoot> | release <releasedRoot> <version>");
            System.exit(2);
        }
    }
}
