package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.console.browser.Browser;
import io.driftwatch.app.console.browser.DrillsPage;
import io.driftwatch.model.DrillCheck;
import io.driftwatch.model.DrillEscalation;
import io.driftwatch.model.DrillReport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.WebDriver;

/**
 * drills.html in a real headless chromium against seeded drill reports: the history table newest first with the
 * values as text, the pass/fail counts, the trend chart drawn (a canvas) from the same numbers, and a drill name
 * holding markup shown as text. Also GET /api/v1/drills itself (order, limit).
 */
@ExtendWith(Browser.Required.class)
class DrillsBrowserTest {
    static final List<DrillReport> REPORTS = new CopyOnWriteArrayList<>();
    static ConsoleServer server;
    static WebDriver driver;

    static final long T0 = 1_780_000_000_000L;

    @BeforeAll
    static void start() {
        driver = Browser.startOrSkip();
        server = ConsoleServer.start(ConsoleSettings.loopback(0), new FixtureInvestigation(), new FixtureInvestigation(),
                () -> List.copyOf(REPORTS));
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void seed() {
        REPORTS.clear();
        Browser.severeConsoleMessages(driver);
    }

    @AfterEach
    void noScriptErrors() {
        assertEquals(List.of(), Browser.severeConsoleMessages(driver));
    }

    static DrillReport report(String id, long startedAt, boolean passed, Long detect, Long contain, Long ack,
                              List<DrillEscalation> escalations, List<DrillCheck> checks, String name) {
        return DrillReport.newBuilder().setDrillId(id).setDrill(name).setPlanName("acme").setPlanVersion("abc")
                .setAttack("write-passwd").setMode("runc").setStartedAt(startedAt).setFinishedAt(startedAt + 30_000)
                .setPassed(passed).setIncidentId("inc-" + id).setClassName("credential-tampering")
                .setTimeToDetectMs(detect).setTimeToContainMs(contain).setTimeToAcknowledgeMs(ack)
                .setEscalations(escalations).setChecks(checks).build();
    }

    static DrillEscalation tier(int n, long expected, Long fired, boolean should, boolean onTime) {
        return DrillEscalation.newBuilder().setTier(n).setExpectedMs(expected).setFiredMs(fired).setShouldFire(should)
                .setOnTime(onTime).setDelivered(List.of()).build();
    }

    static void seedThree() {
        REPORTS.add(report("d1", T0, true, 812L, 1904L, 4100L,
                List.of(tier(1, 0, 40L, true, true), tier(2, 8000, null, false, true)),
                List.of(new DrillCheck("detect within 5000 ms", true, "812 ms")), "weekly"));
        REPORTS.add(report("d3", T0 + 2 * 86_400_000L, true, 640L, 1500L, 4050L,
                List.of(tier(1, 0, 30L, true, true), tier(2, 8000, null, false, true)),
                List.of(new DrillCheck("detect within 5000 ms", true, "640 ms")), "weekly"));
        REPORTS.add(report("d2", T0 + 86_400_000L, false, 7200L, null, null,
                List.of(tier(1, 0, 20L, true, true), tier(2, 3000, 9100L, true, false)),
                List.of(new DrillCheck("detect within 5000 ms", false, "7200 ms"),
                        new DrillCheck("contain within 30000 ms", false, "no containing response")),
                "<img src=x onerror=alert(1)>weekly"));
    }

    @Test
    void theHistoryIsNewestFirstWithTheValuesAsTextAndTheTrendChartIsDrawn() {
        seedThree();
        DrillsPage page = new DrillsPage(driver, server.url()).open();
        assertEquals("", page.error());
        assertEquals(List.of("d3", "d2", "d1"), page.drillIds());
        List<Map<String, String>> rows = page.rows();
        Map<String, String> newest = rows.get(0);
        assertEquals("weekly", newest.get("drill"));
        assertEquals("write-passwd", newest.get("attack"));
        assertEquals("runc", newest.get("mode"));
        assertEquals("PASSED", newest.get("result"));
        assertEquals("640", newest.get("detect"));
        assertEquals("1500", newest.get("contain"));
        assertEquals("4050", newest.get("acknowledge"));
        assertEquals("2 of 2", newest.get("escalations"));
        assertEquals("inc-d3", newest.get("incident"));
        assertTrue(newest.get("when").startsWith("2026-05-30"), newest.get("when"));

        Map<String, String> failed = rows.get(1);
        assertEquals("<img src=x onerror=alert(1)>weekly", failed.get("drill"), "markup in a name is shown as text");
        assertEquals("FAILED", failed.get("result"));
        assertEquals("7200", failed.get("detect"));
        assertEquals("—", failed.get("contain"));
        assertEquals("—", failed.get("acknowledge"));
        assertEquals("1 of 2", failed.get("escalations"));
        assertTrue(failed.get("failed").contains("contain within 30000 ms (no containing response)"), failed.get("failed"));
        assertEquals(0, page.elementCount("img"));
        assertFalse(page.dialogOpen());

        assertEquals(3, page.count("drills"));
        assertEquals(2, page.count("passed"));
        assertEquals(1, page.count("failed"));

        assertEquals(3, page.chartRuns());
        Map<String, List<Object>> series = page.chartSeries();
        // Oldest first along the time axis: d1, d2, d3.
        assertEquals(List.of(812L, 7200L, 640L), longs(series.get("detect")));
        assertEquals(Arrays.asList(1904L, null, 1500L), longs(series.get("contain")));
        assertEquals(Arrays.asList(4100L, null, 4050L), longs(series.get("acknowledge")));
        assertEquals(List.of(1L, 0L, 1L), longs(series.get("passed / failed")));
        assertFalse(page.noDrillsShown());
    }

    @Test
    void noDrillsYetSaysHowToRunOne() {
        DrillsPage page = new DrillsPage(driver, server.url()).open();
        assertEquals(List.of(), page.drillIds());
        assertTrue(page.noDrillsShown());
        assertEquals(0, page.chartRuns());
    }

    @Test
    void theApiAnswersNewestFirstAndHonoursTheLimit() throws Exception {
        seedThree();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> all = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/drills")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, all.statusCode());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(all.body());
        List<String> ids = new ArrayList<>();
        json.get("drills").forEach(d -> ids.add(d.get("drillId").asText()));
        assertEquals(List.of("d3", "d2", "d1"), ids);
        assertEquals(3000, json.get("drills").get(1).get("escalations").get(1).get("expectedMs").asLong());
        assertTrue(json.get("drills").get(1).get("timeToContainMs").isNull());
        HttpResponse<String> one = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/drills?limit=1"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(one.body()).get("drills").size());
        assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/drills?limit=0")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    private static List<Long> longs(List<Object> values) {
        List<Long> out = new ArrayList<>();
        for (Object v : values) {
            out.add(v == null ? null : ((Number) v).longValue());
        }
        return out;
    }
}
