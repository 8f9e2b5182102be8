package io.driftwatch.schemas.serde;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to load classes by schema name unless they are trusted. The serde trusts the
 * packages of the generated classes it is asked to read or write (always Driftwatch's own model);
 * other classes need Avro's {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property.
 */
final class AvroClassTrust {
    private static final Set<String> PACKAGES = ConcurrentHashMap.newKeySet();

    static {
        PACKAGES.add("io.driftwatch.model");
        ClassSecurityValidator.ClassSecurityPredicate serdePackages = c -> PACKAGES.contains(c.getPackageName());
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), serdePackages));
    }

    private AvroClassTrust() {
    }

    static void trustPackageOf(Class<?> generated) {
        PACKAGES.add(generated.getPackageName());
    }

    /** Loads nothing; touching the class installs the predicate. */
    static void install() {
    }
}
