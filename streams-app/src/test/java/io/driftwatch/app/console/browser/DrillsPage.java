package io.driftwatch.app.console.browser;

import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The drills page ({@code /drills.html}): the history table, the pass/fail counts and the trend chart. */
public final class DrillsPage extends ConsolePage {
    private static final By TABLE = By.id("drills");
    private static final By CHART = By.id("drills-chart");

    public DrillsPage(WebDriver driver, String baseUrl) {
        super(driver, baseUrl);
    }

    public DrillsPage open() {
        go("/drills.html");
        awaitLoad(TABLE, null);
        awaitLoad(CHART, null);
        return this;
    }

    /** Rows as data-col to text: when, drill, attack, mode, result, detect, contain, acknowledge, escalations, incident, failed. */
    public List<Map<String, String>> rows() {
        return rows(TABLE, "drill-row");
    }

    public List<String> drillIds() {
        return driver.findElement(TABLE).findElements(By.cssSelector("tr[data-test='drill-row']")).stream()
                .map(row -> row.getDomAttribute("data-drill-id")).toList();
    }

    public long count(String which) {
        return Long.parseLong(text("count-" + which).trim());
    }

    /** The chart's canvas is there (ECharts drew it) and the runs it was given. */
    public int chartRuns() {
        WebElement chart = driver.findElement(CHART);
        wait.until(d -> !chart.findElements(By.tagName("canvas")).isEmpty());
        return Integer.parseInt(chart.getDomAttribute("data-runs"));
    }

    /**
     * The data of the chart's series as ECharts holds it (series name to the y value of each point, oldest first;
     * the pass/fail series gives 1 for passed and 0 for failed from its marks' colours).
     */
    @SuppressWarnings("unchecked")
    public Map<String, List<Object>> chartSeries() {
        return (Map<String, List<Object>>) ((JavascriptExecutor) driver).executeScript(
                "const c = echarts.getInstanceByDom(arguments[0]); const out = {};"
                        + "c.getOption().series.forEach(s => { out[s.name] = s.data.map(p => Array.isArray(p) ? p[1]"
                        + " : (p.itemStyle.color === '#2e7d32' ? 1 : 0)); }); return out;",
                driver.findElement(CHART));
    }

    public boolean noDrillsShown() {
        return driver.findElement(By.id("no-drills")).isDisplayed();
    }
}
