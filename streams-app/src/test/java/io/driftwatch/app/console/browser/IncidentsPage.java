package io.driftwatch.app.console.browser;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The incidents list ({@code /}): rows, counts by severity, filters, the alerts chart. */
public final class IncidentsPage extends ConsolePage {
    private static final By TABLE = By.id("incidents");
    private static final By CHART = By.id("alerts-chart");

    public IncidentsPage(WebDriver driver, String baseUrl) {
        super(driver, baseUrl);
    }

    /** Opens {@code /?query} (query may be empty) and waits for the list and the chart. */
    public IncidentsPage open(String query) {
        go("/" + (query == null || query.isEmpty() ? "" : "?" + query));
        awaitLoad(TABLE, null);
        awaitLoad(CHART, null);
        return this;
    }

    public IncidentsPage open() {
        return open("");
    }

    /** Rows as data-col to text: severity, status, title, where, users, alerts, lastSeen. */
    public List<Map<String, String>> rows() {
        return rows(TABLE, "incident-row");
    }

    public List<String> incidentIds() {
        return driver.findElement(TABLE).findElements(By.cssSelector("tr[data-test='incident-row']")).stream()
                .map(row -> row.getDomAttribute("data-incident-id")).toList();
    }

    /** The count shown for a severity (CRITICAL, HIGH, MEDIUM, LOW, INFO). */
    public long count(String severity) {
        return Long.parseLong(text("count-" + severity).trim());
    }

    /** Sets the filters (null leaves a group as it is) and applies them. */
    public IncidentsPage filter(Collection<String> statuses, Collection<String> severities, String namespace) {
        if (statuses != null) {
            check("status", statuses);
        }
        if (severities != null) {
            check("severity", severities);
        }
        if (namespace != null) {
            type("f-namespace", namespace);
        }
        String before = generation(TABLE);
        driver.findElement(By.id("apply-filters")).click();
        awaitLoad(TABLE, before);
        return this;
    }

    /** Buckets the alerts chart was drawn from, once a canvas is on the page. */
    public int chartBuckets() {
        WebElement chart = driver.findElement(CHART);
        wait.until(d -> !chart.findElements(By.tagName("canvas")).isEmpty());
        return Integer.parseInt(chart.getDomAttribute("data-buckets"));
    }

    public IncidentPage openIncident(String incidentId) {
        driver.findElement(By.cssSelector("tr[data-incident-id='" + incidentId + "'] td[data-col='title'] a")).click();
        return new IncidentPage(driver, baseUrl).awaitLoaded();
    }

    private void check(String group, Collection<String> values) {
        for (WebElement box : driver.findElements(By.cssSelector("#incident-filters input[name='" + group + "']"))) {
            if (box.isSelected() != values.contains(box.getDomAttribute("value"))) {
                box.click();
            }
        }
    }
}
