package io.driftwatch.agent.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.console.browser.Browser;
import io.driftwatch.app.console.browser.IncidentPage;
import io.driftwatch.app.console.browser.IncidentsPage;
import io.driftwatch.app.console.browser.TrailPage;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.testkit.TestkitDirectories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The proof, end to end: {@code ./driftwatch demo} as a process of its own (embedded broker and registry, the
 * app with its console, and the node agent's responder for node-a in another JVM, dry run), and a real headless
 * chromium on its console. The seed incident is listed; its page shows who was inside (JohnDoe), the alerts, and the
 * PAUSE_CONTAINER command with the result the responder reported; the trail filters by user and by path prefix, with
 * the filters in the URL; and acknowledging it with a note changes its status and history. Stopped like Ctrl-C, the
 * demo takes its responder with it. One demo and one browser for the class, in this order (acknowledging comes last).
 * Skipped, saying why, only without chromium or chromedriver.
 */
@ExtendWith(Browser.Required.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DemoConsoleIT {
    private static final Duration STARTUP = Duration.ofSeconds(120);
    /** How long the app and the responder get to fold an alert, a command or a result into what the console shows. */
    private static final Duration PIPELINE = Duration.ofSeconds(60);
    private static final String CONTAINER = "c0ffee01";
    private static final String USER = "JohnDoe";

    static WebDriver driver;
    static ChildJvm demo;
    static Path dir;
    static String console;
    static String incidentId;
    static long responderPid;

    @BeforeAll
    static void startDemoAndBrowser() throws Exception {
        driver = Browser.startOrSkip();
        dir = TestkitDirectories.root().resolve("demo-console");
        int port = SchemaRegistryServer.freeLoopbackPort();
        // The agent's classes are on this JVM's classpath, so the demo finds its responder there (no -D needed);
        // --duration bounds it should this test JVM die without stopping it.
        demo = ChildJvm.start("demo", "1g", TestkitDirectories.root().resolve("demo-console.log"), List.of(
                "io.driftwatch.cli.Main", "demo", "--http-port", Integer.toString(port), "--dir", dir.toString(),
                "--duration", "600"));
        console = demo.awaitLine(Pattern.compile("^Investigation console: (http://\\S+?)/? "), STARTUP).group(1);
        assertTrue(console.endsWith(":" + port), console);
        Pattern responder = Pattern.compile("responder for node-a started: dry run, its own JVM \\(pid (\\d+)\\)");
        responderPid = Long.parseLong(demo.awaitLine(responder, Duration.ZERO).group(1));
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (demo != null) {
            // SIGTERM, as Ctrl-C: the demo winds down (and takes its responder with it) before the JVM halts.
            int code = demo.stop(Duration.ofSeconds(60));
            assertTrue(code == 143 || code == 0, "exit code " + code + "; its output:\n" + demo.tail(30));
            assertFalse(demo.lines().stream().anyMatch(l -> l.startsWith("error:")), demo.tail(30));
            assertFalse(ProcessHandle.of(responderPid).map(ProcessHandle::isAlive).orElse(false),
                    "the responder (pid " + responderPid + ") stopped with the demo");
            assertTrue(Files.readString(dir.resolve("responder.log")).contains("\nstopped: "),
                    "the responder stopped cleanly: " + dir.resolve("responder.log"));
        }
    }

    @AfterEach
    void noScriptErrorsOrPolicyViolations() {
        assertEquals(List.of(), Browser.severeConsoleMessages(driver));
    }

    @Test
    @Order(1)
    void theIncidentsPageListsTheSeedIncident() {
        String id = seedIncident();
        IncidentsPage page = new IncidentsPage(driver, console).open();
        Map<String, String> row = page.rows().get(page.incidentIds().indexOf(id));
        assertTrue(row.get("where").contains("payments-java/ledger-7d9f8-abcde"), row.toString());
        assertTrue(row.get("users").contains(USER), row.toString());
        assertTrue(Set.of("HIGH", "CRITICAL").contains(row.get("severity")), row.toString());
    }

    @Test
    @Order(2)
    void theIncidentShowsWhoWasInsideTheAlertsAndTheResponderResult() throws Exception {
        IncidentPage page = new IncidentPage(driver, console);
        // The responder's result comes after the command, and is joined into the incident after that.
        IncidentPage.Response pause = new WebDriverWait(driver, PIPELINE)
                .withMessage(() -> "a PAUSE_CONTAINER result on the incident; responses: " + page.responses()
                        + "; the demo's output:\n" + demo.tail(20))
                .until(d -> page.open(seedIncident()).responses().stream()
                        .filter(r -> r.action().equals("PAUSE_CONTAINER") && !r.status().equals("pending"))
                        .findFirst().orElse(null));

        assertEquals(CONTAINER, page.field("container-id"));
        assertEquals("node-a", page.field("node"));
        assertTrue(page.users().contains(USER), page.users());
        Set<String> alertRules = new TreeSet<>(page.alerts().stream().map(a -> a.get("ruleId")).toList());
        assertTrue(alertRules.contains("DW-FIM-001"), "the binary overwrite's alert: " + alertRules);
        assertEquals(alertRules, new TreeSet<>(List.of(page.field("rule-ids").split(",\\s*"))),
                "the alert table and the header name the same rules");
        assertTrue(page.alerts().stream().anyMatch(a -> a.get("users").contains(USER)), page.alerts().toString());
        assertTrue(page.timelineEvents() > 0, "the timeline has the container's events");
        assertTrue(page.lanes().contains("workload"), page.lanes().toString());
        assertTrue(page.lanes().stream().anyMatch(l -> l.startsWith(USER)), page.lanes().toString());

        // A real result from the responder (dry run: nothing done, said so), the same one its audit log holds.
        assertEquals("SKIPPED_DRY_RUN", pause.status(), pause.toString());
        assertTrue(pause.detail().startsWith("dry run: would pause container " + CONTAINER), pause.toString());
        String audit = Files.readString(dir.resolve("responder/audit.jsonl"));
        assertTrue(audit.lines().anyMatch(l -> l.contains("\"action\":\"PAUSE_CONTAINER\"")
                && l.contains("\"containerId\":\"" + CONTAINER + "\"") && l.contains("\"status\":\"SKIPPED_DRY_RUN\"")), audit);
        assertTrue(demo.lines().stream().anyMatch(l -> l.startsWith("RESULT  PAUSE_CONTAINER") && l.contains("SKIPPED_DRY_RUN")),
                "the demo printed the result: " + demo.tail(30));
    }

    @Test
    @Order(3)
    void theTrailFiltersByUserAndByPathPrefixWithTheFiltersInTheUrl() {
        TrailPage trail = new TrailPage(driver, console);
        // Every event of the seed container, the workload's and JohnDoe's, once the trail holds them.
        List<Map<String, String>> all = new WebDriverWait(driver, PIPELINE)
                .withMessage(() -> "the seed container's trail with workload and " + USER + " events: " + trail.rows())
                .until(d -> {
                    List<Map<String, String>> rows = trail.open(Map.of("containerId", CONTAINER)).rows();
                    return rows.stream().anyMatch(r -> r.get("user").equals("workload"))
                            && rows.stream().anyMatch(r -> r.get("user").contains(USER)) ? rows : null;
                });

        trail.filter("containerId", "").filter("user", USER).search();
        assertEquals(List.of(USER), trail.urlParameters().get("user"), "the URL carries the filter");
        assertFalse(trail.urlParameters().containsKey("containerId"), trail.urlParameters().toString());
        List<Map<String, String>> byUser = trail.rows();
        assertFalse(byUser.isEmpty(), trail.error());
        assertTrue(byUser.stream().allMatch(r -> List.of(r.get("user").split(",\\s*")).contains(USER)), byUser.toString());
        assertTrue(byUser.size() < all.size(), "the workload's events are left out: " + byUser);

        trail.filter("user", "").filter("pathPrefix", "/usr/bin/").search();
        assertEquals(List.of("/usr/bin/"), trail.urlParameters().get("pathPrefix"), "the URL carries the filter");
        assertFalse(trail.urlParameters().containsKey("user"), trail.urlParameters().toString());
        List<Map<String, String>> byPath = trail.rows();
        assertFalse(byPath.isEmpty(), trail.error());
        assertTrue(byPath.stream().allMatch(r -> r.get("path").startsWith("/usr/bin/")), byPath.toString());
        assertTrue(byPath.stream().anyMatch(r -> r.get("path").equals("/usr/bin/dpkg")), byPath.toString());
    }

    @Test
    @Order(4)
    void acknowledgingTheIncidentChangesItsStatusAndHistory() {
        String note = "seen in the demo: " + USER + " overwrote /usr/bin/dpkg; the pause was a dry run";
        IncidentPage page = new IncidentPage(driver, console).open(seedIncident());
        page.acknowledge("analyst", note);
        assertEquals("Now ACKNOWLEDGED.", page.actionResult(), page.error());
        assertEquals("ACKNOWLEDGED", page.status());
        assertTrue(page.history().stream().anyMatch(h -> h.contains("ACKNOWLEDGED") && h.contains(note)), page.history().toString());

        // As stored (the change goes through the incident-inputs topic), not only as the page drew the POST's answer.
        IncidentPage again = new IncidentPage(driver, console);
        new WebDriverWait(driver, PIPELINE)
                .withMessage(() -> "the incident stored as ACKNOWLEDGED with the note; history: " + again.history())
                .until(d -> again.open(seedIncident()).status().equals("ACKNOWLEDGED")
                        && again.history().stream().anyMatch(h -> h.contains(note)));
    }

    @Test
    @Order(5)
    void anEventWhosePathIsMarkupIsShownAsText(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        // Played into the running demo through its broker and registry, like any recorded event.
        String kafka = demo.awaitLine(Pattern.compile("Kafka ready at (\\S+)"), Duration.ZERO).group(1);
        String registry = demo.awaitLine(Pattern.compile("schema registry ready at (\\S+)"), Duration.ZERO).group(1);
        String path = "/tmp/<img src=x onerror=alert(1)>.sh";
        Path events = tmp.resolve("markup.jsonl");
        Files.writeString(events, "{\"eventId\": \"markup-1\", \"timestamp\": " + System.currentTimeMillis()
                + ", \"node\": \"node-a\", \"containerId\": \"" + CONTAINER + "\", \"type\": \"CREATE\", \"path\": \""
                + path + "\", \"mode\": 493, \"pid\": 4242, \"ppid\": 1, \"processName\": \"<b>sh</b>\", \"exe\": \"/bin/sh\","
                + " \"cmdline\": \"sh -c '<script>alert(2)</script>'\", \"uid\": 0, \"gid\": 0, \"source\": \"test\"}\n");
        int code = new picocli.CommandLine(new io.driftwatch.cli.Main()).execute("produce", "--bootstrap-server", kafka,
                "--schema-registry-url", registry, "--events", events.toString());
        assertEquals(0, code, "produce into the demo");

        TrailPage trail = new TrailPage(driver, console);
        List<Map<String, String>> rows = new WebDriverWait(driver, PIPELINE)
                .withMessage(() -> "the markup event in the trail: " + trail.rows())
                .until(d -> {
                    List<Map<String, String>> found = trail.open(Map.of("containerId", CONTAINER, "pathPrefix", "/tmp/<"))
                            .rows();
                    return found.isEmpty() ? null : found;
                });
        assertEquals(path, rows.get(0).get("path"), "the path is shown as the text it is");
        assertTrue(rows.get(0).get("cmdline").contains("<script>alert(2)</script>"), rows.toString());
        assertEquals(List.of(), driver.findElements(org.openqa.selenium.By.cssSelector("img, b, script:not([src])")),
                "no element was made from the event's values");
        assertThrowsNoAlert();
    }

    private static void assertThrowsNoAlert() {
        try {
            driver.switchTo().alert();
            throw new AssertionError("a script from the event ran: an alert dialog is open");
        } catch (org.openqa.selenium.NoAlertPresentException expected) {
            // nothing ran
        }
    }

    /** The seed incident's id, once the incidents page lists an incident of the seed container with JohnDoe in it. */
    private static String seedIncident() {
        if (incidentId == null) {
            IncidentsPage page = new IncidentsPage(driver, console);
            incidentId = new WebDriverWait(driver, PIPELINE)
                    .withMessage(() -> "the seed incident on the incidents page: " + page.rows() + "; the demo's output:\n"
                            + demo.tail(20))
                    .until(d -> {
                        page.open();
                        List<String> ids = page.incidentIds();
                        List<Map<String, String>> rows = page.rows();
                        for (int i = 0; i < rows.size(); i++) {
                            if (rows.get(i).get("where").contains("ledger-7d9f8-abcde") && rows.get(i).get("users").contains(USER)) {
                                return ids.get(i);
                            }
                        }
                        return null;
                    });
        }
        return incidentId;
    }
}
