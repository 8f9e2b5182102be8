package io.driftwatch.app.console.browser;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The trail search ({@code /trail.html?<the API's filters>}): the form, the results table, next page. */
public final class TrailPage extends ConsolePage {
    private static final By RESULTS = By.id("trail-results");

    public TrailPage(WebDriver driver, String baseUrl) {
        super(driver, baseUrl);
    }

    /** Opens the page with these filters in its URL (API parameter names) and waits for the results. */
    public TrailPage open(Map<String, String> filters) {
        String query = filters.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        go("/trail.html" + (query.isEmpty() ? "" : "?" + query));
        awaitLoad(RESULTS, null);
        return this;
    }

    /** Sets one text filter by its API parameter name (from, to, containerId, user, pathPrefix, ...). */
    public TrailPage filter(String parameter, String value) {
        type("f-" + parameter, value);
        return this;
    }

    /** Ticks exactly these event types. */
    public TrailPage types(Collection<String> types) {
        for (WebElement box : driver.findElements(By.cssSelector("#trail-form input[name='type']"))) {
            if (box.isSelected() != types.contains(box.getDomAttribute("value"))) {
                box.click();
            }
        }
        return this;
    }

    /** The value a filter field holds (to check that the URL filled the form). */
    public String filterValue(String parameter) {
        return driver.findElement(By.id("f-" + parameter)).getDomProperty("value");
    }

    public TrailPage search() {
        String before = generation(RESULTS);
        driver.findElement(By.id("search")).click();
        awaitLoad(RESULTS, before);
        return this;
    }

    /** Result rows as data-col to text: time, container, pod, user, process, type, path, cmdline, alerts. */
    public List<Map<String, String>> rows() {
        return rows(RESULTS, "trail-row");
    }

    /** One column of every row. */
    public List<String> column(String col) {
        return rows().stream().map(r -> r.get(col)).toList();
    }

    public boolean hasNextPage() {
        return driver.findElement(By.id("next-page")).isDisplayed();
    }

    public TrailPage nextPage() {
        String before = generation(RESULTS);
        driver.findElement(By.id("next-page")).click();
        awaitLoad(RESULTS, before);
        return this;
    }
}
