package io.driftwatch.app;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.app.config.TopicCatalog;
import io.driftwatch.app.console.ConsoleServer;
import io.driftwatch.app.console.ConsoleSettings;
import io.driftwatch.app.incidents.IncidentStores;
import io.driftwatch.app.incidents.IncidentTopology;
import io.driftwatch.app.incidents.IncidentUpdates;
import io.driftwatch.app.query.ClusterInvestigation;
import io.driftwatch.app.query.LocalInvestigation;
import io.driftwatch.app.query.LocalTrail;
import io.driftwatch.app.query.PeerClient;
import io.driftwatch.app.query.StoreSource;
import io.driftwatch.app.topology.TrailSettings;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The investigation side of a running app (src/investigation.md): the query services over this
 * instance's stores and its peers', and the console and API that serve them. Each instance
 * advertises its API address as Kafka Streams' {@code application.server}, so that any instance
 * can find the one that holds a partition.
 */
final class Investigation implements AutoCloseable {
    /** host:port other instances reach this one's API at (default: the listen address, or this host's name). */
    static final String ADVERTISED = "driftwatch.http.advertised";

    private final ConsoleServer server;
    private final ClusterInvestigation cluster;
    private final KafkaProducer<String, IncidentInput> producer;
    private final io.driftwatch.app.console.DrillHistory drills;

    private Investigation(ConsoleServer server, ClusterInvestigation cluster, KafkaProducer<String, IncidentInput> producer,
                          io.driftwatch.app.console.DrillHistory drills) {
        this.server = server;
        this.cluster = cluster;
        this.producer = producer;
        this.drills = drills;
    }

    /** Sets {@code application.server} when the console is on, so that interactive queries can find this instance. */
    static void advertise(DriftwatchConfig config, Properties streamsProperties) {
        if (config.get(ConsoleSettings.PORT) == null) {
            return;
        }
        ConsoleSettings console = ConsoleSettings.from(config);
        if (console.enabled() && !streamsProperties.containsKey(StreamsConfig.APPLICATION_SERVER_CONFIG)) {
            streamsProperties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised(config, console).host() + ":"
                    + advertised(config, console).port());
        }
    }

    static HostInfo advertised(DriftwatchConfig config, ConsoleSettings console) {
        String explicit = config.get(ADVERTISED);
        if (explicit != null && !explicit.isBlank()) {
            HostInfo host = HostInfo.buildFromEndpoint(explicit.trim());
            if (host == null) {
                throw new IllegalArgumentException("Configuration '" + ADVERTISED + "' must be host:port, was '" + explicit + "'");
            }
            return host;
        }
        String host = console.host();
        if (host.equals("0.0.0.0") || host.equals("::")) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("Cannot tell which address peers reach this instance at: set '"
                        + ADVERTISED + "' (host:port)", e);
            }
        }
        return new HostInfo(host, console.port());
    }

    /**
     * Starts the console and API over {@code streams}, or returns null when {@code driftwatch.http.port} is 0 or
     * not set: an app embedded in a test or a tool has none unless asked; {@code run} and {@code demo} ask for 8470.
     */
    static Investigation start(DriftwatchConfig config, KafkaStreams streams, io.driftwatch.app.console.Monitoring monitoring) {
        if (config.get(ConsoleSettings.PORT) == null) {
            return null;
        }
        ConsoleSettings console = ConsoleSettings.from(config);
        if (!console.enabled()) {
            return null;
        }
        TrailSettings trail = TrailSettings.from(config);
        StoreSource stores = StoreSource.of(streams);
        LocalInvestigation local = new LocalInvestigation(new LocalTrail(stores, trail.indexBucket(), trail.indexed()), stores,
                filter -> IncidentStores.local(streams, filter), id -> IncidentStores.local(streams, id));
        Map<String, Object> props = new HashMap<>(config.clientProperties());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-incident-changes");
        KafkaProducer<String, IncidentInput> producer = new KafkaProducer<>(props);
        String topic = TopicCatalog.builtIn().name("incident-inputs", config);
        ClusterInvestigation cluster = new ClusterInvestigation(streams, advertised(config, console), local,
                new PeerClient(peerToken(console.tokenFile()), Duration.ofSeconds(10)),
                (key, input) -> send(producer, topic, key, input), new ClusterInvestigation.IncidentChanges() {
                    @Override
                    public IncidentInput statusChange(io.driftwatch.model.Incident incident,
                                                      io.driftwatch.model.IncidentStatus to, String user, String note,
                                                      long now) {
                        return IncidentUpdates.statusChange(incident, to, user, note, now);
                    }

                    @Override
                    public IncidentInput planUpdate(io.driftwatch.model.Incident incident, String target, String id,
                                                    String status, String user, String note, long now) {
                        return IncidentUpdates.planUpdate(incident, target, id, status, user, note, now);
                    }
                },
                Duration.ofSeconds(15), IncidentTopology.INCIDENTS_STORE);
        // The drill reports (drills.html): read from the compacted drills topic by a consumer of the console's own.
        io.driftwatch.app.console.DrillHistory drills = io.driftwatch.app.console.DrillHistory.start(
                config.clientProperties(), TopicCatalog.builtIn().name("drills", config));
        try {
            ConsoleServer server = ConsoleServer.start(console, cluster, local, monitoring, drills);
            return new Investigation(server, cluster, producer, drills);
        } catch (RuntimeException e) {
            drills.close();
            cluster.close();
            producer.close(Duration.ofSeconds(5));
            throw e;
        }
    }

    private static void send(KafkaProducer<String, IncidentInput> producer, String topic, String key, IncidentInput input) {
        try {
            producer.send(new ProducerRecord<>(topic, key, input)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending the change", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new io.driftwatch.app.query.StoreUnavailableException("the change could not be written to " + topic
                    + ": " + e.getMessage(), e);
        }
    }

    /** The first token of the token file: the one this instance shows its peers. */
    static String peerToken(Path tokenFile) {
        if (tokenFile == null) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(tokenFile)) {
                String trimmed = line.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] fields = trimmed.split("\\s+");
                return fields[fields.length - 1];
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenFile, e);
        }
        return null;
    }

    String url() {
        return server.url();
    }

    @Override
    public void close() {
        try {
            server.close();
        } finally {
            drills.close();
            cluster.close();
            producer.close(Duration.ofSeconds(5));
        }
    }
}
