package io.driftwatch.app.console.browser;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the console's page objects share: the base URL, waiting on the pages' own signals (a region's
 * {@code data-state} becomes {@code ready} or {@code error} and its {@code data-generation} moves on), and reading
 * tables by their {@code data-col} cells. Never sleeps.
 */
abstract class ConsolePage {
    protected final WebDriver driver;
    protected final String baseUrl;
    protected final WebDriverWait wait;

    ConsolePage(WebDriver driver, String baseUrl) {
        this.driver = driver;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.wait = new WebDriverWait(driver, Browser.WAIT);
    }

    protected void go(String pathAndQuery) {
        driver.get(baseUrl + pathAndQuery);
    }

    /** The region's generation now, to wait for the next load after an action. */
    protected String generation(By region) {
        String value = driver.findElement(region).getDomAttribute("data-generation");
        return value == null ? "0" : value;
    }

    /** Waits until the region finished a load after {@code before} (null: any load). */
    protected void awaitLoad(By region, String before) {
        wait.withMessage(() -> "waiting for " + region + " to load; error box: " + error())
                .until(d -> {
                    WebElement node = d.findElement(region);
                    String state = node.getDomAttribute("data-state");
                    String generation = node.getDomAttribute("data-generation");
                    return ("ready".equals(state) || "error".equals(state)) && generation != null
                            && (before == null || !generation.equals(before));
                });
    }

    /** The page's error box, or "" when hidden. */
    public String error() {
        List<WebElement> boxes = driver.findElements(By.id("error"));
        return boxes.isEmpty() || !boxes.get(0).isDisplayed() ? "" : boxes.get(0).getText();
    }

    /** Rows of a table as data-col name to the text shown, in order (read in one round trip to the browser). */
    @SuppressWarnings("unchecked")
    protected List<Map<String, String>> rows(By table, String rowTest) {
        WebElement node = driver.findElement(table);
        Object rows = ((JavascriptExecutor) driver).executeScript("return Array.from(arguments[0].querySelectorAll("
                + "\"tr[data-test='\" + arguments[1] + \"']\")).map(row => Object.fromEntries(Array.from("
                + "row.querySelectorAll('td[data-col]')).map(cell => [cell.dataset.col, cell.innerText.trim()])));",
                node, rowTest);
        List<Map<String, String>> out = new ArrayList<>();
        for (Object row : (List<Object>) rows) {
            out.add(new LinkedHashMap<>((Map<String, String>) row));
        }
        return out;
    }

    protected String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    protected void type(String id, String value) {
        WebElement input = driver.findElement(By.id(id));
        input.clear();
        if (value != null && !value.isEmpty()) {
            input.sendKeys(value);
        }
    }

    /** The current URL's query parameters (repeated ones in order). */
    public Map<String, List<String>> urlParameters() {
        Map<String, List<String>> params = new LinkedHashMap<>();
        String query = URI.create(driver.getCurrentUrl()).getRawQuery();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return params;
    }

    /** How many elements with this tag the page holds (e.g. "img": data must never become markup). */
    public int elementCount(String tag) {
        return driver.findElements(By.tagName(tag)).size();
    }

    /** True when a JavaScript alert, confirm or prompt dialog is open. */
    public boolean dialogOpen() {
        try {
            driver.switchTo().alert();
            return true;
        } catch (NoAlertPresentException e) {
            return false;
        }
    }
}
