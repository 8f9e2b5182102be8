package io.driftwatch.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.agent.fanotify.FanotifySensor;
import io.driftwatch.agent.publish.Publisher;
import io.driftwatch.agent.runc.RuncSandbox;
import io.driftwatch.agent.runtime.ContainerInfo;
import io.driftwatch.agent.runtime.ContainerListener;
import io.driftwatch.agent.runtime.RuntimeWatcher;
import io.driftwatch.app.DriftwatchApp;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.metrics.MetricsServer;
import io.driftwatch.metrics.ProcessMetrics;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.EventType;
import io.driftwatch.model.FileEvent;
import io.driftwatch.notify.NotifierSpec;
import io.driftwatch.notify.NotifiersFile;
import io.driftwatch.notify.NotifyEngine;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.testkit.TestkitDirectories;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's metrics proof: a real Prometheus (Debian's, started here with a generated prometheus.yml, scraping every
 * second) scrapes a running streams app (shared broker and registry) and a running node agent that senses a real runc
 * container through fanotify and publishes to the same broker. A known workload goes through, and PromQL returns its
 * exact counts: 20 synthetic file events (3 of them overwriting binaries: DW-FIM-001) and one undecodable record on
 * file-events, plus every event the agent sensed (the agent's own counter, read in this JVM, is the expectation).
 * The shipped dashboard and alert rules are checked against the metric names the running processes export, and the
 * alert rules with promtool.
 */
@RealKafka
class PrometheusScrapeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DEPLOY = Path.of("../deploy");
    private static Process prometheus;
    private static String prometheusUrl;
    private static Path work;
    private static int appPort;
    private static int agentPort;

    @BeforeAll
    static void startPrometheus() throws Exception {
        work = TestkitDirectories.root().resolve("prometheus-it-" + Long.toString(System.currentTimeMillis(), 36));
        Files.createDirectories(work);
        appPort = freePort();
        agentPort = freePort();
        int port = freePort();
        Path config = work.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: driftwatch-app
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                  - job_name: driftwatch-agent
                    static_configs: [{targets: ['127.0.0.1:%d']}]
                """.formatted(appPort, agentPort));
        prometheus = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + work.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        prometheusUrl = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(prometheusUrl + "/-/ready")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    break;
                }
            } catch (java.io.IOException notYet) {
                // starting
            }
            if (!prometheus.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("Prometheus did not start: " + Files.readString(work.resolve("prometheus.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (work != null) {
            AgentFiles.deleteQuietly(work);
        }
    }

    @Test
    void prometheusReturnsTheCountsOfAKnownWorkload(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = "metrics-it.";
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(
                DriftwatchConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                DriftwatchConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                DriftwatchConfig.TOPIC_PREFIX, prefix,
                "application.id", "metrics-it",
                "state.dir", work.resolve("state").toString(),
                "commit.interval.ms", "100",
                "driftwatch.rules.topic.enabled", "false",
                "driftwatch.rules.repeat.window.ms", "0",
                "driftwatch.http.port", Integer.toString(appPort)));
        TopicCatalog catalog = TopicCatalog.builtIn();
        List<NewTopic> topics = new ArrayList<>();
        catalog.all().forEach(t -> topics.add(new NewTopic(catalog.name(t.role(), config), Optional.of(2), Optional.empty())));
        kafka.createTopics(topics);
        String fileEvents = catalog.name("file-events", config);

        try (DriftwatchApp app = DriftwatchApp.start(config);
             RuncSandbox sandbox = RuncSandbox.create(work.resolve("runc"), "metrics-it", Map.of(
                     "io.kubernetes.cri.sandbox-name", "metrics-it", "io.kubernetes.cri.sandbox-namespace", "it"));
             ProcessMetrics agentMetrics = ProcessMetrics.start();
             NodeAgent agent = new NodeAgent("node-metrics-it", FanotifySensor.Config.defaults("node-metrics-it"),
                     RuntimeWatcher.Config.runcOnly(sandbox.stateRoot()).withPollInterval(Duration.ofMillis(100)),
                     new Publisher.Config(kafka.bootstrapServers(), registry.confluentApiUrl(), fileEvents,
                             catalog.name("container-metadata", config), 10_000, Map.of()));
             MetricsServer agentServer = MetricsServer.start("127.0.0.1", agentPort, agentMetrics, agent::live, agent::ready)) {
            agent.bindTo(agentMetrics);
            assertEquals(503, get("http://127.0.0.1:" + agentPort + "/health/ready").statusCode(), "not started yet");
            // The app: live at once, ready once RUNNING with its stores restored.
            String appUrl = "http://127.0.0.1:" + appPort;
            assertEquals(200, get(appUrl + "/health/live").statusCode());
            awaitStatus(appUrl + "/health/ready", 200);
            agent.start();
            awaitStatus("http://127.0.0.1:" + agentPort + "/health/ready", 200);

            // Real kernel events in a real container, sensed and published by the agent.
            RuncSandbox.ExecResult ran = sandbox.exec("sh", "-c", "echo one > /tmp/a; echo two >> /tmp/a; mv /tmp/a /tmp/b; rm /tmp/b");
            assertTrue(ran.succeeded(), ran.stderr());
            long sensed = awaitQuiet(agent);
            assertTrue(sensed >= 4, "the agent sensed the container's writes: " + agent.counters());

            // 20 synthetic events of a container the app knows (3 overwrite binaries), and one record that is not Avro.
            long t0 = System.currentTimeMillis();
            Map<String, Object> p = new HashMap<>();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            p.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
            AvroSerializer<SpecificRecord> values = new AvroSerializer<>();
            values.configure(p, false);
            try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(p, new StringSerializer(), values);
                 KafkaProducer<String, byte[]> raw = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(catalog.name("container-metadata", config), "synthetic",
                        ContainerMetadata.newBuilder().setContainerId("synthetic").setNode("node-metrics-it")
                                .setRuntime("containerd").setContainerName("app").setImage("registry.example/app:1")
                                .setPodName("app-0").setNamespace("shop").setLabels(Map.of()).setStartedAt(t0 - 60_000)
                                .build())).get();
                for (int i = 0; i < 20; i++) {
                    boolean overwrite = i == 6 || i == 13 || i == 19;
                    boolean third = false;
                    FileEvent e = FileEvent.newBuilder().setEventId("synthetic-" + i).setTimestamp(t0 + i)
                            .setNode("node-metrics-it").setContainerId("synthetic")
                            .setType(overwrite || third ? EventType.OPEN_WRITE : EventType.OPEN_READ)
                            .setPath(overwrite || third ? "/usr/bin/tool" + i : "/app/config.yml")
                            .setPid(overwrite || third ? 900 + i : 1).setPpid(overwrite || third ? 899 : 0)
                            .setProcessName(overwrite || third ? "cp" : "java").setExe(overwrite || third ? "/bin/cp" : "/usr/bin/java")
                            .setCmdline("x").setUid(0L).setGid(0L).setSource("test").build();
                    producer.send(new ProducerRecord<>(fileEvents, "synthetic", e));
                }
                raw.send(new ProducerRecord<>(fileEvents, "synthetic", "not avro".getBytes(StandardCharsets.UTF_8))).get();
                producer.flush();
            }

            long eventsIn = 20 + 1 + sensed;
            awaitQuery("sum(driftwatch_input_records_total{input=\"file-events\"})", eventsIn);
            awaitQuery("sum(driftwatch_alerts_total{rule=\"DW-FIM-001\"})", 3);
            awaitQuery("sum(driftwatch_dead_letters_total{reason=\"undecodable\"})", 1);
            awaitQuery("sum(driftwatch_events_enriched_total)", 20 + sensed);
            awaitQuery("sum(driftwatch_sensor_events_total)", sensed);
            awaitQuery("sum(driftwatch_sensor_events_dropped_total)", 0);
            awaitQuery("sum(driftwatch_publisher_acknowledged_total{job=\"driftwatch-agent\"})",
                    sensed + agent.publisher().metadataSent.get());
            awaitQuery("sum(driftwatch_stream_ready{job=\"driftwatch-app\"})", 1);
            awaitQuery("count(driftwatch_event_to_alert_seconds_bucket{le=\"5.0\"})", 1);

            // The dashboard and the alert rules name only what these processes export (and a notifier's meters).
            Set<String> exported = new TreeSet<>();
            exported.addAll(seriesNames(get(appUrl + "/metrics").body()));
            exported.addAll(seriesNames(get("http://127.0.0.1:" + agentPort + "/metrics").body()));
            exported.addAll(responderAndNotifierSeries());
            Set<String> used = new TreeSet<>();
            for (JsonNode panel : JSON.readTree(DEPLOY.resolve("grafana/driftwatch-dashboard.json").toFile()).path("panels")) {
                for (JsonNode target : panel.path("targets")) {
                    used.addAll(metricNames(target.path("expr").asText()));
                }
            }
            JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(DEPLOY.resolve("prometheus/driftwatch-alerts.yaml").toFile());
            for (JsonNode group : rules.path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    used.addAll(metricNames(rule.path("expr").asText()));
                }
            }
            assertTrue(used.size() >= 15, "the dashboard and rules use " + used);
            Set<String> unknown = new TreeSet<>(used);
            unknown.removeAll(exported);
            assertEquals(Set.of(), unknown, "metrics in deploy/ that no Driftwatch process exports");
        }
    }

    @Test
    void theShippedAlertRulesPassPromtool() throws Exception {
        Process check = new ProcessBuilder("/usr/bin/promtool", "check", "rules",
                DEPLOY.resolve("prometheus/driftwatch-alerts.yaml").toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, check.waitFor(), output);
        assertTrue(output.contains("SUCCESS: 8 rules found"), output);
    }

    /** Meters of the components not running here, bound to a registry of their own: a responder and a notifier. */
    private static Set<String> responderAndNotifierSeries() throws Exception {
        Path file = work.resolve("notifiers.yaml");
        Files.writeString(file, """
                notifiers:
                  - name: chat
                    type: slack
                    urlEnv: CHAT_URL
                """);
        List<NotifierSpec> specs = NotifiersFile.load(file, Map.of("CHAT_URL", "http://127.0.0.1:9/hook"));
        NotifyEngine engine = NotifyEngine.start(specs);
        try (ProcessMetrics metrics = ProcessMetrics.start();
             io.driftwatch.agent.respond.NodeResponder responder = new io.driftwatch.agent.respond.NodeResponder(
                     new io.driftwatch.agent.respond.Responder.Config("127.0.0.1:9", "http://127.0.0.1:9", "x.", "n"),
                     new io.driftwatch.agent.respond.CommandHandler.Config("n", false, null, Set.of(), Set.of(), 5, 20, 3,
                             60_000, work.resolve("responder")),
                     new RuntimeWatcher(RuntimeWatcher.Config.runcOnly(work.resolve("none")), new ContainerListener() {
                         @Override
                         public void started(ContainerInfo container) {
                         }

                         @Override
                         public void stopped(ContainerInfo container) {
                         }
                     }), List.of(),
                     new io.driftwatch.agent.respond.k8s.NoKubernetes("test"))) {
            engine.bindTo(metrics.registry());
            responder.bindTo(metrics);
            return seriesNames(metrics.scrape("text/plain"));
        } finally {
            engine.close(Duration.ZERO);
        }
    }

    private static final Pattern METRIC = Pattern.compile("\\b((?:driftwatch|kafka|jvm|process|system)_[a-z0-9_]+)\\b");

    /** The metric names a PromQL expression reads (ours and the binders'; functions and labels are not matched). */
    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr.replaceAll("\"[^\"]*\"", "\"\""));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The series names in a Prometheus text scrape (histograms with their _bucket, _count and _sum). */
    static Set<String> seriesNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return names;
    }

    /** Polls Prometheus until the query's single value is {@code expected}; fails with the last answer after WAIT. */
    private static void awaitQuery(String query, long expected) throws Exception {
        String url = prometheusUrl + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8);
        String last = "";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            last = get(url).body();
            JsonNode result = JSON.readTree(last).path("data").path("result");
            if (result.size() == 1 && Double.parseDouble(result.get(0).path("value").get(1).asText()) == expected) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(query + ": expected " + expected + ", Prometheus last said " + last);
    }

    /** Waits until the agent has sent everything it sensed and nothing new came for a second; returns what it sensed. */
    private static long awaitQuiet(NodeAgent agent) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long last = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long emitted = agent.counters().emitted.get();
            boolean sent = agent.publisher().acknowledged.get() == emitted + agent.publisher().metadataSent.get();
            if (emitted != last || !sent) {
                last = emitted;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > Duration.ofSeconds(1).toNanos() && emitted > 0) {
                return emitted;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the agent did not settle: " + agent.status());
    }

    private static void awaitStatus(String url, int status) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get(url);
            if (last.statusCode() == status) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(url + ": expected " + status + ", last " + (last == null ? "none" : last.statusCode() + " "
                + last.body()));
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
