package io.driftwatch.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ExecSession;
import io.driftwatch.model.FileEvent;
import io.driftwatch.schemas.SampleRecords;
import io.driftwatch.schemas.registry.RegistryClientConfig;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry going away mid-test: a clear error within a bound, never a hang. */
class RegistryOutageIT {
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Test
    void aRegistryThatStopsGivesAClearErrorNotAHang() throws Exception {
        // A registry of its own: the run's shared one must stay up for the other tests.
        SchemaRegistryServer registry = SchemaRegistryServer.start(TestkitDirectories.root().resolve("outage-registry"));
        Map<String, Object> config = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl(),
                RegistryClientConfig.RETRIES_WAIT_MS, "200", RegistryClientConfig.MAX_RETRIES, "2");
        AvroSerde<FileEvent> events = AvroSerde.specific(FileEvent.class).configuredForValues(config);
        AvroSerde<ExecSession> sessions = AvroSerde.specific(ExecSession.class).configuredForValues(config);
        byte[] before;
        try {
            before = events.serializer().serialize("outage", SampleRecords.fileEvent());
            assertEquals(SampleRecords.fileEvent(), events.deserializer().deserialize("outage", before));
        } finally {
            registry.close();
        }
        assertFalse(registry.isAlive(), "the registry process was stopped by its pid");

        assertTimeoutPreemptively(BOUND, () -> {
            // What is cached keeps working: the same schema and id need no registry.
            assertArrayEquals(before, events.serializer().serialize("outage", SampleRecords.fileEvent()));
            // What is not cached fails clearly.
            SchemaRegistryUnavailableException write = assertThrows(SchemaRegistryUnavailableException.class,
                    () -> sessions.serializer().serialize("outage-sessions", SampleRecords.execSession()));
            assertTrue(write.getMessage().contains("Schema registry unreachable")
                    && write.getMessage().contains(registry.confluentApiUrl())
                    && write.getMessage().contains("outage-sessions-value"), write.getMessage());

            AvroSerde<FileEvent> freshReader = AvroSerde.specific(FileEvent.class).configuredForValues(config);
            SchemaRegistryUnavailableException read = assertThrows(SchemaRegistryUnavailableException.class,
                    () -> freshReader.deserializer().deserialize("outage", before));
            assertTrue(read.getMessage().contains("Could not fetch schema id")
                    && read.getMessage().contains("connection refused"), read.getMessage());
        });
    }

    @Test
    void aRegistryThatAcceptsButNeverAnswersTimesOut() throws Exception {
        List<Socket> held = new ArrayList<>();
        try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(blackHole.accept());
                    }
                } catch (java.io.IOException closed) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Map<String, Object> config = Map.of(
                    AvroSerdeConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:" + blackHole.getLocalPort(),
                    RegistryClientConfig.HTTP_READ_TIMEOUT_MS, "500",
                    RegistryClientConfig.RETRIES_WAIT_MS, "100",
                    RegistryClientConfig.MAX_RETRIES, "1");
            AvroSerde<FileEvent> events = AvroSerde.specific(FileEvent.class).configuredForValues(config);
            assertTimeoutPreemptively(BOUND, () -> {
                SchemaRegistryUnavailableException e = assertThrows(SchemaRegistryUnavailableException.class,
                        () -> events.serializer().serialize("silent", SampleRecords.fileEvent()));
                assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("after 2 attempt(s)"),
                        e.getMessage());
            });
        } finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
    }
}
