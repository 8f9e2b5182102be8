package io.driftwatch.cli.crash;

import static io.driftwatch.cli.crash.CrashKit.await;
import static io.driftwatch.cli.crash.CrashKit.benign;
import static io.driftwatch.cli.crash.CrashKit.event;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.cli.crash.CrashKit.TopicReader;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.EnrichedEvent;
import io.driftwatch.model.EventType;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.testkit.TestkitDirectories;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/**
 * Investigation across instances (issue 16): two app JVMs, one application id, one standby replica,
 * each with its own console port advertised as {@code application.server}. A trail query sent to
 * either instance returns the events of every partition, whichever instance owns them; a query
 * for one container is forwarded to its owner; incidents are listed by either. After one instance
 * is killed (SIGKILL), the other answers the same query again, and the test prints how long that took.
 */
@RealKafka
class InvestigationClusterIT {
    private static final int PARTITIONS = 4;
    private static final int CONTAINERS_PER_PARTITION = 3;
    private static final int EVENTS_PER_CONTAINER = 5;
    private static final String NODE = "node-iq";
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void eitherInstanceAnswersForTheWholeClusterAndTheSurvivorAnswersAfterAKill(KafkaBroker kafka,
                                                                                SchemaRegistryServer registry) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, String> shared = CrashKit.config(kafka, registry, "iq-" + run + ".", "driftwatch-iq-" + run);
        shared.put("num.standby.replicas", "1");
        DriftwatchConfig config = CrashKit.driftwatchConfig(shared);
        CrashKit.createTopics(kafka, config, PARTITIONS);
        String fileEvents = CrashKit.topic(config, "file-events");
        Path root = TestkitDirectories.root().resolve("iq").resolve(run);

        Map<String, AppProcess> instances = new LinkedHashMap<>();
        Map<String, String> urls = new LinkedHashMap<>();
        try (TopicReader<EnrichedEvent> enriched = new TopicReader<>(config, CrashKit.topic(config, "enriched-events"));
             KafkaProducer<String, Object> producer = CrashKit.producer(config)) {
            for (String name : List.of("a", "b")) {
                int port = freePort();
                Map<String, String> own = new TreeMap<>(shared);
                own.put("client.id", name);
                own.put("driftwatch.http.port", Integer.toString(port));
                urls.put(name, "http://127.0.0.1:" + port);
                instances.put(name, AppProcess.start(name, root.resolve(name), own));
            }
            // Both hold active partitions before anything is asked of them.
            for (AppProcess instance : instances.values()) {
                instance.awaitReady(r -> !r.active().isEmpty(), WAIT);
            }
            Map<String, Set<Integer>> owned = new TreeMap<>();
            for (AppProcess instance : instances.values()) {
                Set<Integer> partitions = new TreeSet<>();
                instance.lastReady().partitions().stream()
                        .filter(p -> p.matches(java.util.regex.Pattern.quote(fileEvents) + "-\\d+"))
                        .forEach(p -> partitions.add(Integer.parseInt(p.substring(fileEvents.length() + 1))));
                owned.put(instance.name(), partitions);
            }
            assertTrue(owned.values().stream().noneMatch(Set::isEmpty), "both instances own partitions: " + owned);

            long t0 = System.currentTimeMillis() - 60_000;
            Set<String> expected = new TreeSet<>();
            Map<Integer, List<String>> containersByPartition = new TreeMap<>();
            for (int partition = 0; partition < PARTITIONS; partition++) {
                List<String> containers = CrashKit.keysOn("iq-" + run + "-c", partition, PARTITIONS, CONTAINERS_PER_PARTITION);
                containersByPartition.put(partition, containers);
                for (String container : containers) {
                    CrashKit.send(producer, CrashKit.topic(config, "container-metadata"), container, t0,
                            CrashKit.container(container, NODE, t0));
                }
            }
            for (List<String> containers : containersByPartition.values()) {
                for (String container : containers) {
                    for (int i = 0; i < EVENTS_PER_CONTAINER; i++) {
                        String id = container + "-e" + i;
                        expected.add(id);
                        CrashKit.send(producer, fileEvents, container, t0 + 1000 + i, benign(id, container, NODE, t0 + 1000 + i));
                    }
                }
            }
            // One attack, for an incident.
            String victim = containersByPartition.get(0).get(0);
            CrashKit.send(producer, fileEvents, victim, t0 + 2000, event(victim + "-attack", victim, NODE, t0 + 2000,
                    EventType.OPEN_WRITE, "/usr/bin/dpkg", 901, 900, "cp", "/bin/cp"));
            expected.add(victim + "-attack");
            assertTrue(await(() -> enriched.values().stream().map(e -> e.getEvent().getEventId())
                    .collect(java.util.stream.Collectors.toSet()).containsAll(expected), WAIT), "every event enriched");

            String everything = "/api/v1/trail?from=" + t0 + "&to=" + (t0 + 60_000) + "&limit=1000";
            for (String name : urls.keySet()) {
                JsonNode page = getJson(urls.get(name) + everything);
                assertEquals(expected, eventIds(page), "instance " + name + " answers for every partition");
            }
            // A container question goes to its owner: ask the instance that does not own it.
            for (Map.Entry<String, Set<Integer>> entry : owned.entrySet()) {
                int foreignPartition = owned.entrySet().stream().filter(e -> !e.getKey().equals(entry.getKey()))
                        .findFirst().orElseThrow().getValue().iterator().next();
                String container = containersByPartition.get(foreignPartition).get(1);
                JsonNode page = getJson(urls.get(entry.getKey()) + "/api/v1/trail?from=" + t0 + "&to=" + (t0 + 60_000)
                        + "&containerId=" + container);
                assertEquals(EVENTS_PER_CONTAINER, page.path("events").size(), "instance " + entry.getKey()
                        + " forwards the question about " + container + " (partition " + foreignPartition + ")");
            }
            // The attack's incident, listed by either instance.
            for (String name : urls.keySet()) {
                assertTrue(await(() -> incidentsFor(urls.get(name), victim) > 0, WAIT), "instance " + name + " lists the incident");
            }

            // Kill one: the other answers again once it has taken over (standby stores first, then active).
            instances.get("b").kill();
            long killed = System.nanoTime();
            String survivor = urls.get("a");
            List<String> answers = new ArrayList<>();
            boolean answered = await(() -> {
                try {
                    HttpResponse<String> response = get(survivor + everything);
                    answers.add(Integer.toString(response.statusCode()));
                    return response.statusCode() == 200 && eventIds(JSON.readTree(response.body())).equals(expected);
                } catch (Exception e) {
                    answers.add(e.toString());
                    return false;
                }
            }, WAIT);
            double seconds = (System.nanoTime() - killed) / 1e9;
            System.out.printf("InvestigationClusterIT: after SIGKILL of instance b, instance a answered the whole trail "
                    + "again after %.1f s (%d attempts: %s)%n", seconds, answers.size(),
                    answers.subList(Math.max(0, answers.size() - 5), answers.size()));
            assertTrue(answered, "instance a answers after b died; last answers " + answers);
            // And once the group has rebalanced (a owns every partition), still the same answer.
            instances.get("a").awaitReady(r -> java.util.stream.IntStream.range(0, PARTITIONS)
                    .allMatch(p -> r.partitions().contains(fileEvents + "-" + p)), WAIT);
            assertEquals(expected, eventIds(getJson(survivor + everything)));
            System.out.printf("InvestigationClusterIT: instance a active for every partition %.1f s after the kill, "
                    + "and still answers the whole trail%n",
                    (System.nanoTime() - killed) / 1e9);
        } finally {
            for (AppProcess instance : instances.values()) {
                instance.close();
            }
        }
    }

    private int incidentsFor(String url, String container) {
        try {
            int n = 0;
            for (JsonNode incident : getJson(url + "/api/v1/incidents").path("incidents")) {
                for (JsonNode id : incident.path("containerIds")) {
                    if (id.asText().equals(container)) {
                        n++;
                    }
                }
            }
            return n;
        } catch (Exception e) {
            return 0;
        }
    }

    private static Set<String> eventIds(JsonNode page) {
        Set<String> ids = new TreeSet<>();
        for (JsonNode event : page.path("events")) {
            ids.add(event.path("event").path("eventId").asText());
        }
        assertFalse(page.path("next").isTextual(), "one page holds them all");
        return ids;
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response = get(url);
        assertEquals(200, response.statusCode(), url + " answered " + response.body());
        return JSON.readTree(response.body());
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
