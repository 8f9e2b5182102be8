package io.driftwatch.app.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.console.browser.Browser;
import io.driftwatch.app.console.browser.IncidentPage;
import io.driftwatch.app.console.browser.IncidentsPage;
import io.driftwatch.app.console.browser.TrailPage;
import io.driftwatch.model.IncidentStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.WebDriver;

/**
 * The console's pages in a real headless chromium (Debian's, through its chromedriver) against
 * {@link FixtureInvestigation}: one browser for the class, page objects that wait on the pages' own signals.
 * Skipped, saying why, only when chromium or chromedriver is not installed (.ci/run installs both).
 */
@ExtendWith(Browser.Required.class)
class ConsoleBrowserTest {
    static final FixtureInvestigation FIXTURE = new FixtureInvestigation();
    static ConsoleServer server;
    static WebDriver driver;

    @BeforeAll
    static void start() {
        driver = Browser.startOrSkip();
        server = ConsoleServer.start(ConsoleSettings.loopback(0), FIXTURE, FIXTURE);
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
    void reset() {
        FIXTURE.reset();
        Browser.severeConsoleMessages(driver);
    }

    @AfterEach
    void noScriptErrorsOrPolicyViolations() {
        // An expected API error (the 400 below) is logged by the browser as a failed resource: that one is allowed.
        List<String> severe = Browser.severeConsoleMessages(driver).stream()
                .filter(m -> !m.contains("status of 400")).toList();
        assertEquals(List.of(), severe);
    }

    @Test
    void theIncidentsListShowsTheIncidentsTheirCountsAndTheAlertsChart() {
        IncidentsPage page = new IncidentsPage(driver, server.url()).open();
        assertEquals(List.of(FixtureInvestigation.INCIDENT_ID, FixtureInvestigation.OTHER_INCIDENT_ID), page.incidentIds(),
                page.error());
        Map<String, String> first = page.rows().get(0);
        assertEquals("CRITICAL", first.get("severity"));
        assertEquals("OPEN", first.get("status"));
        assertEquals("/etc/passwd was opened for writing", first.get("title"));
        assertEquals("shop/web-7d9f (registry.example/shop/web:1.4)", first.get("where"));
        assertEquals("JohnDoe", first.get("users"));
        assertEquals(1, page.count("CRITICAL"));
        assertEquals(1, page.count("HIGH"));
        assertEquals(0, page.count("LOW"));
        assertTrue(page.chartBuckets() > 0, "the chart was drawn from the histogram API");

        page.filter(Set.of("ACKNOWLEDGED"), Set.of(), "");
        assertEquals(List.of(FixtureInvestigation.OTHER_INCIDENT_ID), page.incidentIds());
        assertEquals(List.of("ACKNOWLEDGED"), page.urlParameters().get("status"), "the URL carries the filters");
        assertEquals(0, page.count("CRITICAL"));

        IncidentsPage shared = new IncidentsPage(driver, server.url()).open("namespace=shop&severity=CRITICAL");
        assertEquals(List.of(FixtureInvestigation.INCIDENT_ID), shared.incidentIds());
    }

    @Test
    void theIncidentPageShowsWhoWasInsideTheAlertsAndWhatTheResponseDid() {
        IncidentPage page = new IncidentsPage(driver, server.url()).open().openIncident(FixtureInvestigation.INCIDENT_ID);
        assertEquals("CRITICAL", page.field("severity"), page.error());
        assertEquals("OPEN", page.status());
        assertEquals("JohnDoe", page.users());
        assertEquals(FixtureInvestigation.SESSION, page.field("sessions"));
        assertEquals("write-etc-passwd, exec-from-tmp", page.field("rule-ids"));
        assertEquals("T1059.004, T1098", page.field("mitre"));
        assertEquals("web-7d9f", page.field("pod"));
        assertEquals("shop", page.field("namespace"));
        assertEquals("registry.example/shop/web:1.4", page.field("image"));
        assertEquals("node-a", page.field("node"));

        List<Map<String, String>> alerts = page.alerts();
        assertEquals(List.of("exec-from-tmp", "write-etc-passwd"), alerts.stream().map(a -> a.get("ruleId")).toList());
        assertEquals(FixtureInvestigation.HOSTILE_PATH, alerts.get(0).get("path"));
        assertEquals("JohnDoe", alerts.get(1).get("users"));

        assertTrue(page.responses().contains(new IncidentPage.Response("PAUSE_CONTAINER", "DONE",
                "container paused (runc pause)")), page.responses().toString());
        assertTrue(page.responses().contains(new IncidentPage.Response("NOTIFY", "pending", "")));

        assertEquals(List.of("JohnDoe (session " + FixtureInvestigation.SESSION + ")", "workload"), page.lanes());
        assertEquals(7, page.timelineEvents());
        assertEquals(List.of(FixtureInvestigation.CAPTURE_ID), page.captureIds());
        assertTrue(page.captureHref(FixtureInvestigation.CAPTURE_ID).endsWith("/api/v1/captures/"
                + FixtureInvestigation.CAPTURE_ID));
        assertEquals(1, page.evidence().size());
        assertFalse(page.dialogOpen());
        assertEquals(0, page.elementCount("img"));
    }

    @Test
    void acknowledgingWithANoteChangesTheStatusAndTheServiceKnowsWhoDidIt() {
        IncidentPage page = new IncidentPage(driver, server.url()).open(FixtureInvestigation.INCIDENT_ID);
        page.acknowledge("alice", "on it: paused, looking at the script");
        assertEquals("Now ACKNOWLEDGED.", page.actionResult(), page.error());
        assertEquals("ACKNOWLEDGED", page.status());
        assertEquals(List.of(new FixtureInvestigation.StatusChange(FixtureInvestigation.INCIDENT_ID,
                IncidentStatus.ACKNOWLEDGED, "local:alice", "on it: paused, looking at the script")), FIXTURE.statusChanges());
        assertTrue(page.history().get(0).contains("ACKNOWLEDGED by local:alice: on it"), page.history().toString());

        IncidentPage reloaded = new IncidentPage(driver, server.url()).open(FixtureInvestigation.INCIDENT_ID);
        assertEquals("ACKNOWLEDGED", reloaded.status());
        reloaded.resolve(null, "");
        assertEquals("400 'note' is required: say why (it is kept with the change)", reloaded.actionResult());
        assertEquals("ACKNOWLEDGED", reloaded.status());
    }

    @Test
    void thePlanPanelShowsClassLeadChecklistTiersObligationsAndNoticesAsTextAndTicksAStep() {
        IncidentPage page = new IncidentPage(driver, server.url()).open(FixtureInvestigation.INCIDENT_ID);
        assertEquals("credential-tampering — Credentials changed in a container", page.field("plan-class"), page.error());
        assertEquals("secops-oncall (Alice Ng via secops-oncall)", page.field("plan-lead"));
        assertEquals("not acknowledged", page.field("plan-ack"));
        List<Map<String, String>> steps = page.planSteps();
        assertEquals(List.of("done", "pending"), steps.stream().map(s -> s.get("status")).toList());
        assertEquals("rotate " + FixtureInvestigation.HOSTILE_STEP_TITLE, steps.get(1).get("title"),
                "the hostile title is text");
        assertEquals("automated: SNAPSHOT_EVIDENCE", steps.get(0).get("kind"));
        List<Map<String, String>> tiers = page.planTiers();
        assertTrue(tiers.get(0).get("state").startsWith("sent "), tiers.toString());
        assertTrue(tiers.get(1).get("state").startsWith("waiting"), tiers.toString());
        assertEquals("15m", tiers.get(1).get("after"));
        assertEquals("open", page.planObligations().get(0).get("status"));
        List<Map<String, String>> notices = page.planNotices();
        assertEquals("<script>alert(1)</script>", notices.get(0).get("reference"), "newest first, as text");
        assertEquals("failed", notices.get(0).get("outcome"));
        assertEquals(0, page.elementCount("img"));
        assertEquals(0, driver.findElements(org.openqa.selenium.By.cssSelector("#plan script")).size());

        page.planAction("carol", "steps", "rotate", "done");
        assertEquals("Step rotate is now done.", page.planResult(), page.error());
        assertEquals("done", page.planSteps().get(1).get("status"));
        assertEquals(List.of(new FixtureInvestigation.PlanChange(FixtureInvestigation.INCIDENT_ID, "step", "rotate",
                "done", "local:carol", null)), FIXTURE.planChanges());
    }

    @Test
    void theTrailFiltersByUserAndByPathPrefixAndTheUrlCarriesTheFilters() {
        TrailPage page = new TrailPage(driver, server.url()).open(Map.of());
        assertEquals(8, page.rows().size(), page.error());

        page.filter("user", FixtureInvestigation.ATTACKER).search();
        assertEquals(List.of("ev-02", "ev-03", "ev-04", "ev-05", "ev-06").size(), page.rows().size());
        assertTrue(page.column("user").stream().allMatch("JohnDoe"::equals), page.column("user").toString());
        assertEquals(List.of(FixtureInvestigation.ATTACKER), page.urlParameters().get("user"));

        page.filter("pathPrefix", "/tmp/").search();
        assertEquals(List.of("CREATE", "CHMOD", "EXEC"), page.column("type"));
        assertEquals(Map.of("user", List.of(FixtureInvestigation.ATTACKER), "pathPrefix", List.of("/tmp/")),
                page.urlParameters());
        Map<String, String> exec = page.rows().get(2);
        assertEquals("sh", exec.get("process"));
        assertEquals("shop/web-7d9f", exec.get("pod"));
        assertEquals(FixtureInvestigation.ALERT_EXEC_TMP, exec.get("alerts"));

        // The shared link gives the same search.
        TrailPage shared = new TrailPage(driver, server.url()).open(Map.of("pathPrefix", "/tmp/", "type", "EXEC"));
        assertEquals("/tmp/", shared.filterValue("pathPrefix"));
        assertEquals(List.of("EXEC"), shared.column("type"));
        assertEquals("/tmp/", FIXTURE.trailQueries().get(FIXTURE.trailQueries().size() - 1).pathPrefix());
    }

    @Test
    void aHostilePathIsShownAsTheTextItIs() {
        TrailPage page = new TrailPage(driver, server.url()).open(Map.of("path", FixtureInvestigation.HOSTILE_PATH));
        assertEquals(List.of(FixtureInvestigation.HOSTILE_PATH, FixtureInvestigation.HOSTILE_PATH,
                FixtureInvestigation.HOSTILE_PATH), page.column("path"), page.error());
        assertEquals("chmod +x " + FixtureInvestigation.HOSTILE_PATH, page.column("cmdline").get(1));
        assertEquals(0, page.elementCount("img"), "no element was made from the name");
        assertFalse(page.dialogOpen(), "no script ran");
    }

    @Test
    void theTrailPagesThroughTheApisCursor() {
        TrailPage page = new TrailPage(driver, server.url()).open(Map.of("containerId", FixtureInvestigation.CONTAINER_ID,
                "limit", "4"));
        assertEquals(List.of("ev-01", "ev-02", "ev-03", "ev-04").size(), page.rows().size());
        assertTrue(page.hasNextPage());
        page.nextPage();
        assertEquals(3, page.rows().size());
        assertFalse(page.hasNextPage());
    }
}
