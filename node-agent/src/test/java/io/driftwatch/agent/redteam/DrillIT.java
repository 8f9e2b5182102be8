package io.driftwatch.agent.redteam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.driftwatch.agent.cli.AgentMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./driftwatch drill --json} end to end, twice, with deploy/drill-plan.yaml: each time the streams app in its
 * own JVM with the plan (embedded Kafka and registry), a real runc container attacked (a binary overwritten in
 * /usr/bin), the node agent and the responder enforcing. short-ack acknowledges 4 s after detection, so tier 2 (8 s)
 * must stay silent; late-ack acknowledges after 11 s, so tier 2 must fire within 3 s of its timer. Both must pass:
 * detected within 5 s, class binary-tampering, contained (the responder paused it) within 30 s, acknowledged within
 * 30 s. Needs root, runc and busybox-static.
 */
class DrillIT {
    static final Path PLAN = Path.of("..", "deploy", "drill-plan.yaml");

    @TempDir
    Path tmp;

    JsonNode drill(String name) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Path work = tmp.resolve(name);
        Path report = tmp.resolve(name + ".json");
        int exit = AgentMain.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute("drill", "--plan", PLAN.toString(), "--drill", name, "--json", "--dir", work.toString(),
                        "--out", report.toString());
        System.out.println(err);
        System.out.println(out);
        String stdout = out.toString().strip();
        assertFalse(stdout.contains("\n"), "--json prints exactly one line: " + stdout);
        JsonNode json = new ObjectMapper().readTree(stdout);
        assertEquals(0, exit, err + "\n" + stdout);
        assertTrue(json.get("passed").asBoolean(), stdout);
        assertEquals(name, json.get("drill").asText());
        assertEquals("overwrite-binary", json.get("attack").asText());
        assertEquals("runc", json.get("mode").asText());
        assertEquals("binary-tampering", json.get("className").asText());
        assertTrue(json.get("incidentId").asText().startsWith("inc-"), stdout);
        assertTrue(json.get("timeToDetectMs").asLong() <= 5_000, stdout);
        assertTrue(json.get("timeToContainMs").asLong() <= 30_000, stdout);
        assertTrue(json.get("timeToAcknowledgeMs").asLong() <= 30_000, stdout);
        assertEquals(2, json.get("escalations").size(), stdout);
        JsonNode first = json.get("escalations").get(0);
        assertEquals(1, first.get("tier").asInt());
        assertTrue(first.get("shouldFire").asBoolean());
        assertTrue(first.get("onTime").asBoolean());
        assertTrue(Math.abs(first.get("firedMs").asLong()) <= 3_000, stdout);
        json.get("checks").forEach(c -> assertTrue(c.get("passed").asBoolean(), c.toString()));
        assertEquals(new ObjectMapper().readTree(Files.readString(report)).get("drillId"), json.get("drillId"),
                "the JSON file holds the same report");
        assertFalse(Files.readString(Path.of("/proc/self/mounts")).contains(work.toString()), "a mount is left");
        assertFalse(Files.exists(work), "the work directory is left");
        return json;
    }

    @Test
    void acknowledgedBeforeTheSecondTierItStaysSilent() throws Exception {
        JsonNode json = drill("short-ack");
        JsonNode second = json.get("escalations").get(1);
        assertEquals(2, second.get("tier").asInt());
        assertEquals(8_000, second.get("expectedMs").asLong());
        assertFalse(second.get("shouldFire").asBoolean(), json.toString());
        assertTrue(second.get("firedMs").isNull(), json.toString());
        assertTrue(second.get("onTime").asBoolean());
    }

    @Test
    void acknowledgedAfterTheSecondTierItFiredOnTime() throws Exception {
        JsonNode json = drill("late-ack");
        JsonNode second = json.get("escalations").get(1);
        assertEquals(2, second.get("tier").asInt());
        assertTrue(second.get("shouldFire").asBoolean(), json.toString());
        assertNotNull(second.get("firedMs"));
        long fired = second.get("firedMs").asLong();
        assertTrue(fired >= 8_000 - 3_000 && fired <= 8_000 + 3_000, json.toString());
        assertTrue(second.get("onTime").asBoolean());
        assertTrue(json.get("timeToAcknowledgeMs").asLong() >= 11_000, json.toString());
    }
}
