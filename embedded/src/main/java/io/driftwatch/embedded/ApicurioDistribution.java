package io.driftwatch.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Where the Apicurio Registry distribution is: the build unpacks it (maven-dependency-plugin, from
 * Maven Central) and records the directory in {@code embedded.properties}; the system property or
 * environment variable {@code DRIFTWATCH_APICURIO_HOME} overrides it.
 */
public final class ApicurioDistribution {
    public static final String HOME_PROPERTY = "driftwatch.apicurio.home";
    public static final String HOME_ENV = "DRIFTWATCH_APICURIO_HOME";

    private final Path home;
    private final Path runnerJar;
    private final String version;

    private ApicurioDistribution(Path home, Path runnerJar, String version) {
        this.home = home;
        this.runnerJar = runnerJar;
        this.version = version;
    }

    public static ApicurioDistribution locate() {
        Properties built = builtProperties();
        String version = built.getProperty("apicurio.version", "unknown");
        String configured = System.getProperty(HOME_PROPERTY, System.getenv(HOME_ENV));
        Path home = Path.of(configured != null ? configured : built.getProperty("apicurio.home", "."));
        Path jar = runnerJar(home);
        if (jar == null) {
            throw new IllegalStateException("No Apicurio Registry distribution at " + home.toAbsolutePath()
                    + " (no *-runner.jar or quarkus-run.jar). Build the embedded module first (mvn -pl embedded package "
                    + "unpacks io.apicurio:apicurio-registry-app:" + version + ":all:tar.gz), or point "
                    + HOME_PROPERTY + " / " + HOME_ENV + " at an unpacked distribution.");
        }
        return new ApicurioDistribution(home, jar, version);
    }

    private static Path runnerJar(Path home) {
        Path quarkus = home.resolve("quarkus-run.jar");
        if (Files.isRegularFile(quarkus)) {
            return quarkus;
        }
        if (!Files.isDirectory(home)) {
            return null;
        }
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst().orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Properties builtProperties() {
        Properties props = new Properties();
        try (InputStream in = ApicurioDistribution.class.getResourceAsStream("embedded.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    public Path home() {
        return home;
    }

    public Path runnerJar() {
        return runnerJar;
    }

    public String version() {
        return version;
    }
}
