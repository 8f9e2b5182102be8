package io.driftwatch.app.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.rules.plan.PlanException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan file read at start and watched, with the real loader: a broken change is refused, the last good plan runs. */
class PlanManagerTest {
    static final String PLAN = """
            plan: test-plan
            contacts:
              alice: {person: "Alice Ng", email: alice@example.com}
            classes:
              - name: credentials
                match: {rules: ["DW-FIM-02*"]}
                lead: alice
                channels: [chat]
                playbook:
                  - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}
                  - {id: contain, title: Pause, action: PAUSE_CONTAINER}
                escalation:
                  - {after: 0s, notify: [alice], channels: [pager]}
                  - {after: 6s, notify: [alice], channels: [email]}
              - name: default
                lead: alice
                escalation: [{after: 30m, notify: [alice], channels: [email]}]
            """;

    @TempDir
    Path dir;

    private PlanSettings settings(Path file) {
        return new PlanSettings(file, Duration.ofHours(1), Duration.ofSeconds(1), 200);
    }

    @Test
    void settingsHaveTheDocumentedDefaultsAndRefuseNonsense() {
        PlanSettings defaults = PlanSettings.defaults();
        assertNull(defaults.file());
        assertEquals(Duration.ofSeconds(5), defaults.watchInterval());
        assertEquals(Duration.ofSeconds(1), defaults.tick());
        assertEquals(200, defaults.maxNotices());
        PlanSettings set = PlanSettings.from(DriftwatchConfig.of(Map.of(PlanSettings.FILE, "/etc/p.yaml",
                PlanSettings.TICK_MS, "250", PlanSettings.MAX_NOTICES, "50", PlanSettings.WATCH_INTERVAL_MS, "700")));
        assertEquals(Path.of("/etc/p.yaml"), set.file());
        assertEquals(Duration.ofMillis(250), set.tick());
        assertEquals(Duration.ofMillis(700), set.watchInterval());
        assertEquals(50, set.maxNotices());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PlanSettings.from(DriftwatchConfig.of(Map.of(PlanSettings.TICK_MS, "soon"))));
        assertTrue(bad.getMessage().contains(PlanSettings.TICK_MS), bad.getMessage());
    }

    @Test
    void withoutAFileThereIsNoPlan() throws Exception {
        try (PlanManager manager = PlanManager.start(PlanSettings.defaults())) {
            assertNull(manager.current());
        }
    }

    @Test
    void aPlanThatDoesNotLoadStopsTheStart() throws Exception {
        Path file = dir.resolve("plan.yaml");
        Files.writeString(file, PLAN.replace("lead: alice\n    channels", "lead: nobody\n    channels"));
        PlanException refused = assertThrows(PlanException.class, () -> PlanManager.start(settings(file)));
        assertTrue(refused.getMessage().contains("plan.yaml:"), refused.getMessage());
        assertThrows(PlanException.class, () -> PlanManager.start(settings(dir.resolve("missing.yaml"))));
    }

    @Test
    void theAppDoesNotStartWithAPlanThatDoesNotLoad() throws Exception {
        Path file = dir.resolve("plan.yaml");
        Files.writeString(file, PLAN.replace("plan: test-plan\n", "plan: test-plan\nversion: 2\n"));
        DriftwatchConfig config = DriftwatchConfig.of(Map.of(DriftwatchConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1",
                DriftwatchConfig.SCHEMA_REGISTRY_URL, "http://127.0.0.1:1", PlanSettings.FILE, file.toString()));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> io.driftwatch.app.DriftwatchApp.start(config));
        assertTrue(refused.getMessage().contains(file + ":2: unknown key \"version\""), refused.getMessage());
    }

    @Test
    void aBrokenChangeIsRefusedWithFileAndLineAndTheLastGoodPlanKeepsRunning() throws Exception {
        Path file = dir.resolve("plan.yaml");
        Files.writeString(file, PLAN);
        try (PlanManager manager = PlanManager.start(settings(file))) {
            String version = manager.current().version();
            assertEquals("test-plan", manager.current().name());
            assertEquals(PlanManager.Outcome.UNCHANGED, manager.checkNow().get(10, TimeUnit.SECONDS));

            // Containment before evidence, and an unknown key on line 4.
            Files.writeString(file, PLAN.replace("  alice: {person", "  alice: {colour: red, person")
                    .replace("- {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}\n"
                            + "      - {id: contain, title: Pause, action: PAUSE_CONTAINER}",
                            "- {id: contain, title: Pause, action: PAUSE_CONTAINER}\n"
                            + "      - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}"));
            assertEquals(PlanManager.Outcome.REFUSED, manager.checkNow().get(10, TimeUnit.SECONDS));
            assertEquals(1, manager.failedReloads());
            assertTrue(manager.lastError().contains(file + ":3:"), manager.lastError());
            assertEquals(version, manager.current().version(), "the last good plan keeps running");
            assertEquals(PlanManager.Outcome.UNCHANGED, manager.checkNow().get(10, TimeUnit.SECONDS),
                    "the same broken file is refused once");
            assertEquals(1, manager.failedReloads());

            Files.writeString(file, PLAN.replace("plan: test-plan", "plan: test-plan-2"));
            assertEquals(PlanManager.Outcome.SWAPPED, manager.checkNow().get(10, TimeUnit.SECONDS));
            assertEquals("test-plan-2", manager.current().name());
            assertEquals(1, manager.reloads());

            Files.delete(file);
            assertEquals(PlanManager.Outcome.REFUSED, manager.checkNow().get(10, TimeUnit.SECONDS));
            assertEquals("test-plan-2", manager.current().name(), "a deleted file is no plan to switch to");
        }
    }

    @Test
    void theWatchPicksAChangeUpByItself() throws Exception {
        Path file = dir.resolve("plan.yaml");
        Files.writeString(file, PLAN);
        try (PlanManager manager = PlanManager.start(new PlanSettings(file, Duration.ofMillis(50), Duration.ofSeconds(1),
                200))) {
            Files.writeString(file, PLAN.replace("plan: test-plan", "plan: watched"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!"watched".equals(manager.current().name()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("watched", manager.current().name());
        }
    }
}
