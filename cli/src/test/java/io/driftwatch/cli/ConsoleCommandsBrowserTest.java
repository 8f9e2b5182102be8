package io.driftwatch.cli;

import static io.driftwatch.cli.CliHelpTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.app.console.ConsoleServer;
import io.driftwatch.app.console.ConsoleSettings;
import io.driftwatch.app.console.FixtureInvestigation;
import io.driftwatch.app.console.browser.Browser;
import io.driftwatch.app.console.browser.IncidentPage;
import io.driftwatch.app.console.browser.TrailPage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.WebDriver;

/**
 * The CLI and the console read and change the same things: the console's page objects (streams-app's test-jar)
 * driving a headless chromium next to the commands. Skipped only when chromium or chromedriver is not installed.
 */
@ExtendWith(Browser.Required.class)
class ConsoleCommandsBrowserTest {
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

    @Test
    void whatTheCliAcknowledgesTheConsoleShowsAndTheyFindTheSameEvents() {
        assertEquals(0, run("incidents", "ack", FixtureInvestigation.INCIDENT_ID, "--note", "from the terminal",
                "--url", server.url(), "--user", "alice").exitCode());
        IncidentPage incident = new IncidentPage(driver, server.url()).open(FixtureInvestigation.INCIDENT_ID);
        assertEquals("ACKNOWLEDGED", incident.status(), incident.error());
        assertTrue(incident.history().get(0).endsWith("ACKNOWLEDGED by local:alice: from the terminal"),
                incident.history().toString());

        CliHelpTest.Run cli = run("trail", "--url", server.url(), "--user", FixtureInvestigation.ATTACKER, "--json");
        TrailPage page = new TrailPage(driver, server.url()).open(Map.of("user", FixtureInvestigation.ATTACKER));
        List<String> paths = page.column("path");
        assertEquals(cli.out().lines().count(), paths.size());
        assertTrue(paths.contains(FixtureInvestigation.HOSTILE_PATH), paths.toString());
    }
}
