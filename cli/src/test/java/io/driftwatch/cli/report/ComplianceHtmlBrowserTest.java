package io.driftwatch.cli.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.app.console.browser.Browser;
import io.driftwatch.model.Alert;
import io.driftwatch.model.DrillReport;
import io.driftwatch.model.Incident;
import io.driftwatch.model.IncidentStatus;
import io.driftwatch.model.IncidentStatusChange;
import io.driftwatch.model.Severity;
import io.driftwatch.rules.Controls;
import io.driftwatch.rules.RuleInfo;
import io.driftwatch.rules.RuleSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The compliance report's HTML in a real headless chromium (Debian's, through its chromedriver; one browser for the
 * class), opened from a file with the network unused: every chart drawn by the inlined ECharts from the report's
 * data, no script error or policy violation, and an attacker's pod name and incident title shown as text, never run.
 * Skipped, saying why, only when chromium or chromedriver is not installed.
 */
@ExtendWith(Browser.Required.class)
class ComplianceHtmlBrowserTest {
    static final long FROM = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    static final long TO = Instant.parse("2026-11-04T00:00:00Z").toEpochMilli();
    static final String HOSTILE_POD = "web-<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">";
    static final String HOSTILE_TITLE = "</script><script>window.pwned=3</script> & 'quotes' \"too\"";
    static WebDriver driver;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        io.driftwatch.schemas.AvroClassTrust.install(); // as the serdes do: the records' builders resolve defaults
        driver = Browser.startOrSkip();
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
    }

    @Test
    void theChartsAreDrawnAndHostileValuesAreText() throws Exception {
        long hour = 3_600_000L;
        List<Alert> alerts = List.of(alert("a1", "DW-FIM-001", FROM + hour), alert("a2", "DW-FIM-001", FROM + 25 * hour),
                alert("a3", "DW-FIM-041", FROM + 26 * hour));
        Incident hostile = Incident.newBuilder().setIncidentId("i1").setGroupKey("shop/x").setStatus(IncidentStatus.ACKNOWLEDGED)
                .setSeverity(Severity.CRITICAL).setTitle(HOSTILE_TITLE).setRuleIds(List.of("DW-FIM-001"))
                .setFirstSeen(FROM + hour).setLastSeen(FROM + hour).setNamespace("shop").setPodName(HOSTILE_POD)
                .setHistory(List.of(
                        IncidentStatusChange.newBuilder().setStatus(IncidentStatus.OPEN).setUser("driftwatch").setAt(FROM + hour).build(),
                        IncidentStatusChange.newBuilder().setStatus(IncidentStatus.ACKNOWLEDGED).setUser("alice")
                                .setAt(FROM + hour + 120_000).build()))
                .setUpdatedAt(FROM + hour + 120_000).build();
        List<DrillReport> drills = List.of(drill("d1", FROM + 2 * hour, true), drill("d2", FROM + 50 * hour, false),
                drill("d3", FROM + 51 * hour, true));
        RuleSet rules = RuleSet.builtIn();
        Set<String> ids = rules.rules().stream().map(RuleInfo::id).collect(Collectors.toSet());
        ObjectNode report = ComplianceReport.build(new ComplianceReport.Inputs(FROM, TO, TO, rules.rules(), ids,
                rules.detectionRuleIds(), rules.version(), null, alerts, List.of(hostile), drills), Controls.builtIn());
        Path file = dir.resolve("compliance.html");
        Files.writeString(file, ComplianceHtml.render(report), StandardCharsets.UTF_8);

        Browser.severeConsoleMessages(driver);
        driver.get(file.toUri().toString());
        JavascriptExecutor js = (JavascriptExecutor) driver;
        for (String chart : List.of("chart-alerts", "chart-controls", "chart-acknowledge", "chart-drills")) {
            WebElement element = driver.findElement(By.id(chart));
            assertEquals("true", element.getAttribute("data-rendered"), chart);
            assertFalse(element.findElements(By.tagName("canvas")).isEmpty(), chart + " drew a canvas");
        }
        assertEquals(List.of("2026-11-01", "2026-11-02", "2026-11-03"),
                js.executeScript("return echarts.getInstanceByDom(document.getElementById('chart-alerts'))"
                        + ".getOption().xAxis[0].data"));
        @SuppressWarnings("unchecked")
        List<Object> pci = (List<Object>) js.executeScript("var o = echarts.getInstanceByDom("
                + "document.getElementById('chart-alerts')).getOption(); return o.series.filter(function (s) {"
                + " return s.name === 'PCI DSS v4.0'; })[0].data");
        assertEquals(List.of(1L, 2L, 0L), pci, "alerts per day of PCI DSS: a1, then a2 and a3");
        assertEquals(List.of(1L, 0L, 1L), js.executeScript("return echarts.getInstanceByDom("
                + "document.getElementById('chart-drills')).getOption().series[0].data"), "passed drills per day");
        assertEquals(List.of(0L, 0L, 1L), js.executeScript("return echarts.getInstanceByDom("
                + "document.getElementById('chart-drills')).getOption().series[1].data"), "failed drills per day (d2 50h in)");
        assertEquals(List.of(0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L), js.executeScript("return echarts.getInstanceByDom("
                + "document.getElementById('chart-acknowledge')).getOption().series[0].data"), "acknowledged after 2m");

        assertNull(js.executeScript("return window.pwned === undefined ? null : window.pwned"), "no injected script ran");
        WebElement where = driver.findElement(By.cssSelector("#incidents td.where"));
        assertEquals("shop/" + HOSTILE_POD, where.getText(), "the pod name is shown as text");
        assertTrue(where.findElements(By.tagName("script")).isEmpty() && where.findElements(By.tagName("img")).isEmpty());
        assertEquals(HOSTILE_TITLE, driver.findElement(By.cssSelector("#incidents td.title")).getText());
        List<WebElement> controls = driver.findElements(By.cssSelector("section.control"));
        assertEquals(Controls.builtIn().all().size(), controls.size(), "a section per control");
        assertTrue(driver.findElement(By.id("control-PCI-DSS-11.5")).getText().contains("DW-FIM-001"));
        assertEquals(List.of(), Browser.severeConsoleMessages(driver), "no script error or policy violation");
    }

    static Alert alert(String id, String ruleId, long time) {
        return Alert.newBuilder().setAlertId(id).setRuleId(ruleId).setSeverity(Severity.HIGH).setTimestamp(time)
                .setContainerId("c").build();
    }

    static DrillReport drill(String id, long started, boolean passed) {
        return DrillReport.newBuilder().setDrillId(id).setDrill("weekly <b>" + id + "</b>").setAttack("write-passwd")
                .setMode("recorded").setStartedAt(started).setFinishedAt(started + 60_000).setPassed(passed).build();
    }
}
