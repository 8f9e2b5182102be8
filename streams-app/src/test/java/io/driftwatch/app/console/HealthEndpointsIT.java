package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.StreamsHealth;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.metrics.ProcessMetrics;
import io.driftwatch.testkit.RealKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /health/ready} answers 503 before Kafka Streams is RUNNING and 200 once it is (stores restored);
 * {@code /health/live} 200 while it runs and 503 once it has stopped; {@code /metrics} serves the streams binder's
 * meters. A real broker, the console's real server, a small stateful topology.
 */
@RealKafka
class HealthEndpointsIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void readyOnlyOnceRunningAndNotLiveOnceStopped(KafkaBroker kafka) throws Exception {
        String topic = "health-it-" + UUID.randomUUID();
        kafka.createTopics(2, topic);
        StreamsBuilder builder = new StreamsBuilder();
        builder.table(topic, Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("health-it-store"));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "health-it-" + UUID.randomUUID());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        FixtureInvestigation fixture = new FixtureInvestigation();
        try (ProcessMetrics metrics = ProcessMetrics.start()) {
            KafkaStreams streams = new KafkaStreams(builder.build(), props);
            StreamsHealth health = StreamsHealth.of(streams);
            metrics.bind(new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams));
            try (ConsoleServer server = ConsoleServer.start(new ConsoleSettings(0, "127.0.0.1", null, null), fixture, fixture,
                    new Monitoring(metrics, health::live, health::ready))) {
                HttpResponse<String> before = get(server, "/health/ready");
                assertEquals(503, before.statusCode(), before.body());
                assertTrue(before.body().contains("\"status\":\"DOWN\"") && before.body().contains("CREATED"), before.body());
                assertEquals(200, get(server, "/health/live").statusCode());

                streams.start();
                HttpResponse<String> ready = before;
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (ready.statusCode() != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    ready = get(server, "/health/ready");
                }
                assertEquals(200, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("RUNNING, stores restored"), ready.body());
                assertEquals(KafkaStreams.State.RUNNING, streams.state());
                HttpResponse<String> scrape = get(server, "/metrics");
                assertEquals(200, scrape.statusCode());
                assertTrue(scrape.body().contains("kafka_consumer_fetch_manager_records_lag_max"), "the streams binder");
                assertTrue(scrape.body().contains("jvm_memory_used_bytes"), "the JVM binders");

                streams.close(Duration.ofSeconds(30));
                HttpResponse<String> dead = get(server, "/health/live");
                assertEquals(503, dead.statusCode(), dead.body());
                assertTrue(dead.body().contains("NOT_RUNNING"), dead.body());
                assertEquals(503, get(server, "/health/ready").statusCode());
            } finally {
                streams.close(Duration.ofSeconds(30));
            }
        }
    }

    private static HttpResponse<String> get(ConsoleServer server, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
