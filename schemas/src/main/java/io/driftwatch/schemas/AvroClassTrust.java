package io.driftwatch.schemas;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to load classes by schema name unless they are trusted. The serdes and the JSON
 * codec trust the packages of the generated classes they are asked to read or write (always Driftwatch's own model);
 * other classes need Avro's {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property.
 */
public final class AvroClassTrust {
    private static final Set<String> PACKAGES = ConcurrentHashMap.newKeySet();

    static {
        PACKAGES.add("io.driftwatch.model");
        ClassSecurityValidator.ClassSecurityPredicate serdePackages = c -> PACKAGES.contains(c.getPackageName());
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), serdePackages));
    }

    private AvroClassTrust() {
    }

    public static void trustPackageOf(Class<?> generated) {
        PACKAGES.add(generated.getPackageName());
    }

    /** Loads nothing; touching the class installs the predicate. */
    public static void install() {
    }
}
