package io.driftwatch.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.RealKafka;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The release archive as a user gets it (issue 18): unpacked into an empty directory, run with only a Java runtime,
 * a home directory of its own (no ~/.m2) and no source tree, and checked for what must not be in it.
 */
@RealKafka
class ReleaseArchiveIT {
    private static final Path ARCHIVE = Path.of(required("driftwatch.release.archive"));
    private static final Path SCENARIO = Path.of(required("driftwatch.scenarios.dir"), "seed-malware-copy");
    private static final Path RULE_DIRS = Path.of(required("driftwatch.rule.dirs"));
    /** What may not appear in any file of the archive: where it was built and where Maven keeps its jars. */
    private static final Path BUILD_ROOT = Path.of(required("driftwatch.build.root")).toAbsolutePath().normalize();
    private static final List<String> BUILD_PATHS = List.of(BUILD_ROOT.toString(),
            Path.of(required("driftwatch.local.repository")).toAbsolutePath().normalize().toString(), "/root/.m2");

    private static Path work;
    private static Path home;
    private static Path userHome;

    private final KafkaBroker kafka;
    private final SchemaRegistryServer registry;

    ReleaseArchiveIT(KafkaBroker kafka, SchemaRegistryServer registry) {
        this.kafka = kafka;
        this.registry = registry;
    }

    @BeforeAll
    static void unpack() throws Exception {
        assertTrue(Files.isRegularFile(ARCHIVE), "the package phase builds " + ARCHIVE);
        work = Files.createTempDirectory("driftwatch-release-");
        userHome = Files.createDirectories(work.resolve("home"));
        Path into = Files.createDirectories(work.resolve("opt"));
        Launch tar = Launch.run(work, List.of("tar", "-xzf", ARCHIVE.toString(), "-C", into.toString()), Map.of(),
                Duration.ofMinutes(2));
        assertEquals(0, tar.exitCode(), tar.output());
        home = into.resolve(required("driftwatch.release.name"));
        assertTrue(Files.isDirectory(home), "the archive unpacks into one directory named after the release");
    }

    @Test
    void holdsTheLauncherTheJarsTheConfigurationAndTheManifests() throws Exception {
        assertTrue(Files.isExecutable(home.resolve("bin/driftwatch")));
        for (String file : List.of("config/driftwatch.properties", "config/topics.tsv", "config/notifiers.example.yaml",
                "lib/app.classpath")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        assertTrue(Files.isDirectory(home.resolve("deploy/k8s")), "deploy/k8s");
        assertEquals(Files.readString(BUILD_ROOT.resolve("deploy/topics.tsv")),
                Files.readString(home.resolve("config/topics.tsv")));
    }

    @Test
    void theAppAndTheAgentEachFindEveryJarOfTheirOwnClasspathAndOnlyThose() throws Exception {
        List<String> app = appClasspath();
        List<String> agent = agentClasspath();
        for (String jar : concat(app, agent)) {
            assertTrue(Files.isRegularFile(home.resolve("lib").resolve(jar)), "lib/" + jar);
        }
        assertTrue(app.stream().anyMatch(j -> j.startsWith("driftwatch-cli-")), app.toString());
        assertTrue(app.stream().anyMatch(j -> j.startsWith("kafka-streams-4")), app.toString());
        assertTrue(agent.stream().anyMatch(j -> j.startsWith("jna-")), agent.toString());
        assertEquals(List.of(), agent.stream().filter(j -> j.startsWith("driftwatch-streams-app") || j.startsWith(
                "driftwatch-cli") || j.startsWith("driftwatch-rules-drl") || j.startsWith("kafka-streams")
                || j.startsWith("drools-")).toList(), "the agent carries no streams app");
        assertEquals(List.of(), app.stream().filter(j -> j.startsWith("jna-") || j.startsWith("kubernetes-")
                || j.startsWith("driftwatch-node-agent")).toList(), "the app carries no agent");
        // Every jar in lib/ belongs to one of the two.
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            List<String> unused = jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar"))
                    .filter(n -> !app.contains(n) && !agent.contains(n) && !n.startsWith("driftwatch-node-agent-"))
                    .toList();
            assertEquals(List.of(), unused, "jars in lib/ that neither classpath names");
        }
    }

    @Test
    void shipsNoTestCodeNoEmbeddedStackAndNoBuildPaths() throws Exception {
        List<String> jars;
        try (Stream<Path> files = Files.list(home.resolve("lib"))) {
            jars = files.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(List.of(), jars.stream().filter(j -> j.startsWith("junit-") || j.startsWith("opentest4j")
                || j.startsWith("selenium") || j.startsWith("hamcrest") || j.startsWith("mockito")
                || j.startsWith("driftwatch-testkit") || j.startsWith("driftwatch-embedded")
                || j.startsWith("kafka-test-common") || j.startsWith("kafka_2.13") || j.startsWith("kafka-server-4")
                || j.contains("-tests.") || j.contains("-test-sources")).toList());
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(home)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (file.toString().endsWith(".jar")) {
                    scanJar(file, offenders);
                } else {
                    scan(home.relativize(file).toString(), Files.readAllBytes(file), offenders);
                }
            }
        }
        assertEquals(List.of(), offenders, "files that name the build machine's paths");
    }

    @Test
    void listsAndValidatesRulesOffline() throws Exception {
        Launch list = driftwatch(List.of("rules", "list"), Duration.ofMinutes(3));
        assertEquals(0, list.exitCode(), list.output());
        assertTrue(list.output().contains("DW-FIM-001"), list.output());

        Launch good = driftwatch(List.of("rules", "validate", RULE_DIRS.resolve("good").toString()), Duration.ofMinutes(3));
        assertEquals(0, good.exitCode(), good.output());
        Launch problems = driftwatch(List.of("rules", "validate", RULE_DIRS.resolve("problems").toString()),
                Duration.ofMinutes(3));
        assertEquals(1, problems.exitCode(), problems.output());
        assertTrue(problems.output().contains(".drl:"), "problems are reported as file:line: " + problems.output());
    }

    @Test
    void replaysTheSeedScenarioLoadingClassesOnlyFromTheArchiveAndTheRuntime() throws Exception {
        Path alerts = work.resolve("replay-alerts.jsonl");
        Path classLog = work.resolve("replay-classes.log");
        Launch replay = driftwatch(List.of("replay", "--events", SCENARIO.resolve("events.jsonl").toString(),
                "--metadata", SCENARIO.resolve("containers.jsonl").toString(),
                "--exec-sessions", SCENARIO.resolve("exec-sessions.jsonl").toString(), "--alerts", alerts.toString()),
                Map.of("DRIFTWATCH_JAVA_OPTS", javaOpts() + " -Xlog:class+load=info:file=" + classLog),
                Duration.ofMinutes(3));
        assertEquals(0, replay.exitCode(), replay.output());
        String lines = Files.readString(alerts);
        assertTrue(lines.contains("\"ruleId\":\"DW-FIM-001\"") && lines.contains("seed-malware-copy-003"), lines);

        List<String> sources = Files.readAllLines(classLog).stream().filter(l -> l.contains(" source: "))
                .map(l -> l.substring(l.indexOf(" source: ") + 9)).distinct().toList();
        assertFalse(sources.isEmpty(), "the class-load log names sources");
        // Classes come from the runtime (jrt:/, the CDS archive), from lib/, or are defined at run time (named by
        // their definer); none from a file anywhere else.
        List<String> foreign = sources.stream().filter(s -> s.contains("file:") && !s.contains("file:" + home + "/lib/"))
                .toList();
        assertEquals(List.of(), foreign, "classes loaded from outside the archive and the Java runtime");
    }

    @Test
    void scansAnImageWithoutABroker() throws Exception {
        // A root filesystem (the dir: transport) with a private key in it: a HIGH finding of the built-in policy.
        Path rootfs = Files.createDirectories(work.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        String body = java.util.Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
        Files.createDirectories(rootfs.resolve("app"));
        Files.writeString(rootfs.resolve("app/server.key"), "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n");

        Launch scan = driftwatch(List.of("scan", "dir:" + rootfs, "--format", "json"), Duration.ofMinutes(3));
        assertEquals(1, scan.exitCode(), scan.output());
        assertTrue(scan.output().contains("\"checkId\" : \"DW-IMG-030\"") && scan.output().contains("/app/server.key"),
                scan.output());
        assertFalse(scan.output().contains(body.substring(0, 40)), "the key is never printed");
        Path sarif = work.resolve("scan.sarif");
        Launch passing = driftwatch(List.of("scan", "dir:" + rootfs, "--fail-on", "none", "--format", "sarif", "--output",
                sarif.toString()), Duration.ofMinutes(3));
        assertEquals(0, passing.exitCode(), passing.output());
        assertTrue(Files.readString(sarif).contains("\"version\" : \"2.1.0\""));
    }

    @Test
    void startsTheAgentsCommandLineAndSendsDemoToACheckout() throws Exception {
        Launch agent = driftwatch(List.of("agent", "--version"), Duration.ofMinutes(1));
        assertEquals(0, agent.exitCode(), agent.output());
        assertTrue(agent.output().contains("driftwatch node agent " + required("driftwatch.version")), agent.output());
        Launch respond = driftwatch(List.of("respond", "--help"), Duration.ofMinutes(1));
        assertEquals(0, respond.exitCode(), respond.output());

        Launch demo = driftwatch(List.of("demo"), Duration.ofMinutes(1));
        assertEquals(1, demo.exitCode(), demo.output());
        assertTrue(demo.output().contains("source checkout"), demo.output());
    }

    @Test
    void createsTopicsRunsTheAppToRunningAndAlertsOnProducedEvents() throws Exception {
        String prefix = "rel" + UUID.randomUUID().toString().substring(0, 8) + ".";
        List<String> connection = List.of("--bootstrap-server", kafka.bootstrapServers(),
                "--schema-registry-url", registry.confluentApiUrl(), "--topic-prefix", prefix);
        Launch topics = driftwatch(concat(List.of("topics", "create", "--partitions", "1"), connection),
                Duration.ofMinutes(2));
        assertEquals(0, topics.exitCode(), topics.output());

        Path config = work.resolve("run.properties");
        Files.writeString(config, String.join("\n",
                "bootstrap.servers=" + kafka.bootstrapServers(),
                "schema.registry.url=" + registry.confluentApiUrl(),
                "auto.register.schemas=true",
                "driftwatch.topic.prefix=" + prefix,
                "application.id=" + prefix + "app",
                "state.dir=" + work.resolve("state")) + "\n");
        try (Launch.Running app = Launch.start(work, command(List.of("run", "--config", config.toString(),
                "--http-port", "0")), environment(Map.of()), work.resolve("run.log"))) {
            app.awaitOutput("driftwatch ready: ", Duration.ofMinutes(3));

            // --shift-to-now: the recording's times are weeks old, past the topics' 7-day retention, and the broker
            // deletes such records at its next retention check (every 5 minutes).
            Launch produce = driftwatch(concat(List.of("produce", "--shift-to-now",
                    "--events", SCENARIO.resolve("events.jsonl").toString(),
                    "--metadata", SCENARIO.resolve("containers.jsonl").toString(),
                    "--exec-sessions", SCENARIO.resolve("exec-sessions.jsonl").toString()), connection),
                    Duration.ofMinutes(2));
            assertEquals(0, produce.exitCode(), produce.output());
            assertTrue(alertArrives(prefix + "alerts", "DW-FIM-001", Duration.ofMinutes(2)),
                    "a DW-FIM-001 alert on " + prefix + "alerts; the app's output:\n" + app.output());
        }
    }

    /** Whether a record naming {@code ruleId} (Avro writes strings as UTF-8 bytes) arrives on {@code topic}. */
    private boolean alertArrives(String topic, String ruleId, Duration bound) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "release-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() != null && new String(record.value(), StandardCharsets.UTF_8).contains(ruleId)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static Launch driftwatch(List<String> args, Duration bound) throws Exception {
        return driftwatch(args, Map.of(), bound);
    }

    private static Launch driftwatch(List<String> args, Map<String, String> extra, Duration bound) throws Exception {
        return Launch.run(work, command(args), environment(extra), bound);
    }

    private static List<String> command(List<String> args) {
        return concat(List.of(home.resolve("bin/driftwatch").toString()), args);
    }

    /**
     * A machine with only a Java runtime: this JVM's java as JAVA_HOME, a home of its own (for the JVM too:
     * {@code user.home} comes from the password database, not HOME), and no Maven or Driftwatch variables.
     */
    private static Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", userHome.toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("DRIFTWATCH_JAVA_OPTS", javaOpts());
        env.put("DRIFTWATCH_AGENT_JAVA_OPTS", javaOpts());
        env.putAll(extra);
        return env;
    }

    private static String javaOpts() {
        return "-Xmx512m -XX:+UseSerialGC -Duser.home=" + userHome;
    }

    private static List<String> appClasspath() throws IOException {
        return Arrays.stream(Files.readString(home.resolve("lib/app.classpath")).trim().split(":"))
                .map(entry -> {
                    assertTrue(entry.startsWith("lib/"), "entries are relative to the archive's root: " + entry);
                    return entry.substring(4);
                }).toList();
    }

    private static List<String> agentClasspath() throws IOException {
        Path jar;
        try (Stream<Path> files = Files.list(home.resolve("lib"))) {
            jar = files.filter(p -> p.getFileName().toString().startsWith("driftwatch-node-agent-")).findFirst()
                    .orElseThrow(() -> new AssertionError("no driftwatch-node-agent jar in lib/"));
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            String classPath = file.getManifest().getMainAttributes().getValue("Class-Path");
            assertTrue(classPath != null && !classPath.isBlank(), "the agent's jar names its classpath");
            return Arrays.asList(classPath.trim().split("\\s+"));
        }
    }

    private static void scanJar(Path jar, List<String> offenders) throws IOException {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            for (ZipEntry entry : java.util.Collections.list(file.entries())) {
                if (entry.isDirectory()) {
                    continue;
                }
                try (InputStream in = file.getInputStream(entry)) {
                    scan(jar.getFileName() + "!" + entry.getName(), in.readAllBytes(), offenders);
                }
            }
        }
    }

    private static void scan(String name, byte[] content, List<String> offenders) {
        String text = new String(content, StandardCharsets.ISO_8859_1);
        for (String path : BUILD_PATHS) {
            if (text.contains(path)) {
                offenders.add(name + " contains " + path);
            }
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set (distribution/pom.xml sets it)");
        }
        return value;
    }
}
