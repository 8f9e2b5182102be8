package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.model.ImageBaseline;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.json.BaselineFiles;
import io.driftwatch.scanner.baseline.Baselines;
import io.driftwatch.scanner.check.ImageScanner;
import io.driftwatch.scanner.check.ScanReport;
import io.driftwatch.scanner.image.ImageReadException;
import io.driftwatch.scanner.image.ImageReader;
import io.driftwatch.scanner.image.ImageReaders;
import io.driftwatch.scanner.image.Layer;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.image.ScanProgress;
import io.driftwatch.scanner.policy.Policy;
import io.driftwatch.scanner.policy.PolicyException;
import io.driftwatch.scanner.policy.PolicyLoader;
import io.driftwatch.scanner.report.ReportContext;
import io.driftwatch.scanner.report.ReportFormat;
import io.driftwatch.scanner.report.Reports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./driftwatch scan IMAGE}: image FIM checks as a CI step (src/image-scanning.md). Reads the image once, runs
 * the policy's checks, writes the report, and exits 1 when a finding is at or above {@code --fail-on}. Needs no
 * broker, unless {@code --publish} sends the image's baseline to the image-baselines topic.
 */
@Command(name = "scan", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a container image against a policy: paths that should not be there,",
                "setuid and world-writable files, owners, digests, key and credential files by",
                "name, and secrets in the content of every layer (a secret that a later layer",
                "deletes still ships in the layer that added it). Secrets are never printed",
                "whole. Can also write or publish the image's baseline, its file manifest, that",
                "the streams app compares running containers with (drift).",
                "",
                "IMAGE: oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE, dir:ROOTFS",
                "or docker://[REGISTRY/]NAME[:TAG|@DIGEST].",
                ""},
        footer = {"",
                "Examples:",
                "  driftwatch scan docker-archive:app.tar",
                "  driftwatch scan oci:build/layout:1.4.2 --policy image-policy.yaml \\",
                "      --format sarif --output scan.sarif",
                "  driftwatch scan docker://registry.example/team/app:1.4.2 \\",
                "      --creds \"$USER:$TOKEN\" --fail-on critical",
                "  driftwatch scan docker://localhost:5000/app:dev --tls-verify=false \\",
                "      --format junit -o scan-junit.xml",
                "  driftwatch scan oci:layout:1.0 --baseline-out app.baseline.jsonl \\",
                "      --publish --config driftwatch.properties",
                "  driftwatch scan --print-default-policy > image-policy.yaml",
                "",
                "Exit status: 0 nothing at or above --fail-on; 1 a finding at or above",
                "--fail-on; 2 bad usage, a policy that does not load (file:line: message), an",
                "image that cannot be read, or a report, baseline or publish that failed.",
                "Reference: src/image-scanning.md."})
final class ScanCommand implements Callable<Integer> {
    /** The compacted topic's max.message.bytes (deploy/topics.tsv): a baseline record may be that large. */
    static final String MAX_BASELINE_BYTES = "33554432";
    static final String CREDS_ENV = "DRIFTWATCH_REGISTRY_CREDS";

    @Parameters(paramLabel = "IMAGE", arity = "0..1", description = "The image to scan (see above).")
    String image;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "Policy file (YAML): adds checks to the built-in policy, replaces or patches its checks by id, adds"
                    + " exceptions. Repeatable: a later file extends the earlier ones.")
    List<Path> policyFiles = new java.util.ArrayList<>();

    @Option(names = "--no-default-policy", description = "Run only the checks of --policy, without the built-in policy.")
    boolean noDefaultPolicy;

    @Option(names = "--format", paramLabel = "FORMAT", converter = FormatConverter.class, defaultValue = "table",
            description = "table (default, for people), json, sarif (SARIF 2.1.0, for code scanning) or junit (JUnit XML, for CI test reports).")
    ReportFormat format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the report here (default: standard output).")
    Path output;

    @Option(names = "--fail-on", paramLabel = "SEVERITY", defaultValue = "HIGH", converter = FailOnConverter.class,
            description = "Exit 1 when a finding is at or above this: INFO, LOW, MEDIUM, HIGH (default) or CRITICAL; none never fails.")
    FailOn failOn;

    @Option(names = "--tls-verify", arity = "0..1", paramLabel = "BOOL", defaultValue = "true", fallbackValue = "true",
            description = "docker:// only: --tls-verify=false accepts any certificate and plain HTTP (a local registry).")
    boolean tlsVerify;

    @Option(names = "--creds", paramLabel = "USER:PASS",
            description = "docker:// registry credentials (also environment variable " + CREDS_ENV + "); anonymous without.")
    String creds;

    @Option(names = "--platform", paramLabel = "OS/ARCH[/VARIANT]",
            description = "From a multi-platform image, this platform's image (default: linux and this machine's architecture).")
    String platform;

    @Option(names = "--baseline-out", paramLabel = "FILE",
            description = "Also write the image's baseline (its file manifest) here, as JSON lines.")
    Path baselineOut;

    @Option(names = "--publish",
            description = "Also produce the baseline to the image-baselines topic (compacted, keyed by image digest), with the"
                    + " connection options below.")
    boolean publish;

    @Option(names = "--progress", description = "Print progress on stderr (layer i/n, MiB read) even when stderr is not a terminal.")
    boolean progress;

    @Option(names = {"-q", "--quiet"}, description = "No progress and no summary on stderr; only errors.")
    boolean quiet;

    @Option(names = "--print-default-policy", description = "Print the built-in policy (YAML) and exit.")
    boolean printDefaultPolicy;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE",
            description = "With --publish: set any configuration key, e.g. -Dsecurity.protocol=SSL (wins over --config).")
    Map<String, String> properties = new LinkedHashMap<>();

    @Mixin
    ConfigOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return scan(err);
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            // Exit status 1 means findings to CI: anything else that goes wrong is 2.
            err.println("error: scan failed: " + Main.describe(e));
            return 2;
        } finally {
            err.flush();
        }
    }

    private int scan(PrintWriter err) {
        if (printDefaultPolicy) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(PolicyLoader.defaultPolicyText());
            out.flush();
            return 0;
        }
        if (image == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required parameter: 'IMAGE'");
        }
        if (noDefaultPolicy && policyFiles.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--no-default-policy leaves nothing to check: give --policy FILE");
        }
        String credentials = creds != null ? creds : System.getenv(CREDS_ENV);
        if (credentials != null && credentials.isBlank()) {
            credentials = null;
        }
        if (credentials != null && credentials.indexOf(':') <= 0) {
            String from = creds != null ? "--creds" : CREDS_ENV;
            throw new CommandLine.ParameterException(spec.commandLine(), from + " must be USER:PASSWORD");
        }
        ImageReader reader;
        try {
            reader = platform == null ? ImageReaders.standard() : ImageReaders.forPlatform(platform);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--platform: " + e.getMessage());
        }
        Severity threshold = failOn.severity();

        Policy policy;
        try {
            policy = PolicyLoader.load(policyFiles, !noDefaultPolicy);
        } catch (PolicyException e) {
            err.println("error: policy refused, nothing scanned:\n" + e.getMessage());
            return 2;
        }
        if (policy.enabledChecks().isEmpty()) {
            err.println("error: the policy has no enabled checks, nothing to scan (" + String.join(" + ", policy.sources()) + ")");
            return 2;
        }
        DriftwatchConfig config = null;
        if (publish) {
            // Before a long scan: a missing connection setting is found now.
            try {
                config = publishConfig();
            } catch (IOException | RuntimeException e) {
                err.println("error: --publish: " + e.getMessage());
                return 2;
            }
        }

        boolean showProgress = !quiet && (progress || Terminal.stderrIsTerminal());
        ScanProgress progressPrinter = showProgress ? new ProgressPrinter(err, Terminal.stderrIsTerminal()) : ScanProgress.NONE;
        ReadOptions readOptions = new ReadOptions(ReadOptions.DEFAULT_CONTENT_LIMIT, tlsVerify, credentials, progressPrinter);
        ScanReport report;
        try {
            report = new ImageScanner(reader, policy).scan(image, readOptions);
        } catch (ImageReadException e) {
            if (progressPrinter instanceof ProgressPrinter p) {
                p.end();
            }
            err.println("error: cannot read " + image + ": " + e.getMessage());
            return 2;
        }
        if (progressPrinter instanceof ProgressPrinter p) {
            p.end();
        }

        ReportContext context = new ReportContext(version(), policy.sources(), threshold);
        try {
            if (output == null) {
                PrintWriter out = spec.commandLine().getOut();
                Reports.write(format, report, context, out);
                out.flush();
            } else {
                createParent(output);
                try (Writer writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                    Reports.write(format, report, context, writer);
                }
            }
        } catch (IOException e) {
            err.println("error: cannot write the report to " + (output == null ? "standard output" : output) + ": " + e.getMessage());
            return 2;
        }

        ImageBaseline baseline = null;
        if (baselineOut != null || publish) {
            baseline = Baselines.of(report.image(), report.scannedAt(), version());
        }
        if (baselineOut != null) {
            try {
                createParent(baselineOut);
                try (Writer writer = Files.newBufferedWriter(baselineOut, StandardCharsets.UTF_8)) {
                    BaselineFiles.write(List.of(baseline), writer);
                }
            } catch (IOException e) {
                err.println("error: cannot write the baseline to " + baselineOut + ": " + e.getMessage());
                return 2;
            }
        }
        if (publish) {
            try {
                List<String> aliases = report.image().indexDigests();
                String where = publish(config, baseline, aliases);
                if (!quiet) {
                    err.println("published the baseline of " + image + " (" + baseline.getFiles().size() + " paths) to "
                            + where + " under " + baseline.getImageDigest()
                            + (aliases.isEmpty() ? "" : " and its index digest(s) " + String.join(", ", aliases)));
                }
            } catch (Exception e) {
                err.println("error: --publish: " + Main.describe(e));
                return 2;
            }
        }

        if (!quiet && (output != null || format != ReportFormat.TABLE)) {
            err.println(Reports.summary(report, context)
                    + (output == null ? "" : " Report: " + output + "."));
        }
        return report.failsAt(threshold) ? 1 : 0;
    }

    private DriftwatchConfig publishConfig() throws IOException {
        DriftwatchConfig config = options.load().withOverrides(properties);
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);
        Map<String, String> producer = new LinkedHashMap<>();
        // One baseline is one record, as large as the topic allows (its max.message.bytes); the producer checks a
        // record's uncompressed size against max.request.size, and needs room for it in its buffer.
        if (config.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG) == null) {
            producer.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_BASELINE_BYTES);
        }
        if (config.get(ProducerConfig.BUFFER_MEMORY_CONFIG) == null) {
            producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, String.valueOf(2L * Long.parseLong(MAX_BASELINE_BYTES)));
        }
        if (config.get(ProducerConfig.COMPRESSION_TYPE_CONFIG) == null) {
            producer.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        }
        producer.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-scan");
        return config.withOverrides(producer);
    }

    /**
     * Produces the baseline keyed by its image digest, and a copy under each index digest the image was chosen through
     * (a runtime that pulled a multi-platform image by tag or index digest reports the index's digest), and waits for
     * the broker; returns the topic.
     */
    private static String publish(DriftwatchConfig config, ImageBaseline baseline, List<String> indexDigests)
            throws Exception {
        String topic = TopicCatalog.builtIn().name("image-baselines", config);
        try (Admin admin = Admin.create(config.adminProperties())) {
            Set<String> topics = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            if (!topics.contains(topic)) {
                throw new IllegalStateException("topic " + topic + " does not exist; create it with ./driftwatch topics create");
            }
        }
        try (RecordProducer producer = new RecordProducer(config, "image-baselines")) {
            producer.send(baseline.getImageDigest(), baseline.getScannedAt(), baseline);
            for (String index : indexDigests) {
                ImageBaseline alias = ImageBaseline.newBuilder(baseline).setImageDigest(index).build();
                producer.send(index, alias.getScannedAt(), alias);
            }
            producer.flush();
            if (producer.acknowledged() != 1 + indexDigests.size()) {
                throw new IllegalStateException("the broker acknowledged " + producer.acknowledged() + " of "
                        + (1 + indexDigests.size()) + " baseline records");
            }
        }
        return topic;
    }

    private static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }

    static String version() {
        Properties props = new Properties();
        try (InputStream in = ScanCommand.class.getResourceAsStream("/io/driftwatch/app/version.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            return null;
        }
        return props.getProperty("version");
    }

    static final class FormatConverter implements CommandLine.ITypeConverter<ReportFormat> {
        @Override
        public ReportFormat convert(String value) {
            for (ReportFormat f : ReportFormat.values()) {
                if (f.cliName().equalsIgnoreCase(value.trim())) {
                    return f;
                }
            }
            throw new CommandLine.TypeConversionException("unknown format '" + value + "': table, json, sarif or junit");
        }
    }

    /** --fail-on: a severity, or none (null: never fails). */
    record FailOn(Severity severity) {
    }

    static final class FailOnConverter implements CommandLine.ITypeConverter<FailOn> {
        @Override
        public FailOn convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            if (v.equals("NONE")) {
                return new FailOn(null);
            }
            try {
                return new FailOn(Severity.valueOf(v));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown severity '" + value
                        + "': INFO, LOW, MEDIUM, HIGH, CRITICAL or none");
            }
        }
    }

    /** Whether standard error is a terminal (Linux: /proc/self/fd/2 is a tty device). */
    static final class Terminal {
        private Terminal() {
        }

        static boolean stderrIsTerminal() {
            try {
                String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return false;
            }
        }
    }

    /**
     * Layer i/n and MiB read on stderr: one line rewritten in place on a terminal (at most 5 times a second), else a
     * line per layer and one every 10 seconds within a long layer.
     */
    static final class ProgressPrinter implements ScanProgress {
        private final PrintWriter err;
        private final boolean terminal;
        private final long intervalNanos;
        private long last;
        private boolean open;
        private int count;

        ProgressPrinter(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
            this.intervalNanos = terminal ? Duration.ofMillis(200).toNanos() : Duration.ofSeconds(10).toNanos();
        }

        @Override
        public synchronized void layerStarted(Layer layer, int count, long bytes) {
            this.count = count;
            print(layer, 0, bytes, 0, false);
        }

        @Override
        public synchronized void advanced(Layer layer, long bytesRead, long files) {
            long now = System.nanoTime();
            if (now - last >= intervalNanos) {
                print(layer, bytesRead, layer.size(), files, false);
            }
        }

        @Override
        public synchronized void layerDone(Layer layer, long files) {
            print(layer, layer.size(), layer.size(), files, true);
        }

        private void print(Layer layer, long read, long total, long files, boolean done) {
            last = System.nanoTime();
            String digest = layer.digest() == null ? "" : " " + layer.digest().substring(0, Math.min(19, layer.digest().length()));
            String text = String.format(Locale.ROOT, "scan: layer %d/%d%s %.1f%s MiB, %d files%s", layer.index() + 1, count,
                    digest, read / 1048576.0, total > 0 ? String.format(Locale.ROOT, "/%.1f", total / 1048576.0) : "", files,
                    done ? " done" : "");
            if (terminal) {
                err.print("\r\u001b[K" + text);
                open = true;
            } else {
                err.println(text);
            }
            err.flush();
        }

        /** Ends the line a terminal was being rewritten on. */
        synchronized void end() {
            if (open) {
                err.println();
                err.flush();
                open = false;
            }
        }
    }
}
