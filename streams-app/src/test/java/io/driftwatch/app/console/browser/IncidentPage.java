package io.driftwatch.app.console.browser;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** One incident ({@code /incident.html?id=...}): header, timeline lanes, alerts, responses, captures, actions. */
public final class IncidentPage extends ConsolePage {
    private static final By MAIN = By.id("incident");
    private static final By ALERTS = By.id("alerts");
    private static final By LANES = By.id("lanes");
    private static final By RESULT = By.id("action-result");

    /** A response action and its outcome as the page shows them. */
    public record Response(String action, String status, String detail) {
    }

    public IncidentPage(WebDriver driver, String baseUrl) {
        super(driver, baseUrl);
    }

    public IncidentPage open(String incidentId) {
        go("/incident.html?id=" + URLEncoder.encode(incidentId, StandardCharsets.UTF_8));
        return awaitLoaded();
    }

    /** Waits for the header, the alerts and the timeline (an incident without a container has no timeline). */
    IncidentPage awaitLoaded() {
        awaitLoad(MAIN, null);
        if ("ready".equals(driver.findElement(MAIN).getDomAttribute("data-state"))) {
            awaitLoad(ALERTS, null);
            if (!text("container-id").equals("—")) {
                awaitLoad(LANES, null);
            }
        }
        return this;
    }

    /** A header field by its element id: severity, status, rule-ids, mitre, tactics, namespace, pod, image, node, users, sessions... */
    public String field(String id) {
        return text(id);
    }

    public String status() {
        return text("status");
    }

    public String users() {
        return text("users");
    }

    /** Alert rows as data-col to text: time, severity, ruleId, message, process, path, users, mitre. */
    public List<Map<String, String>> alerts() {
        return rows(ALERTS, "alert-row");
    }

    public List<Response> responses() {
        return rows(By.id("responses"), "response-row").stream()
                .map(r -> new Response(r.get("action"), r.get("status"), r.get("detail"))).toList();
    }

    /** The timeline's lanes: one per exec session (who was inside) and "workload". */
    public List<String> lanes() {
        return driver.findElement(LANES).findElements(By.cssSelector("li[data-test='lane']")).stream()
                .map(li -> li.getDomAttribute("data-lane")).toList();
    }

    /** Events drawn on the timeline. */
    public int timelineEvents() {
        return Integer.parseInt(driver.findElement(By.id("timeline")).getDomAttribute("data-events"));
    }

    public List<String> captureIds() {
        return driver.findElements(By.cssSelector("#captures a[data-test='capture-link']")).stream()
                .map(a -> a.getDomAttribute("data-capture-id")).toList();
    }

    public String captureHref(String captureId) {
        return driver.findElement(By.cssSelector("#captures a[data-capture-id='" + captureId + "']")).getDomProperty("href");
    }

    public List<String> evidence() {
        return driver.findElements(By.cssSelector("#evidence li[data-test='evidence'] code")).stream()
                .map(WebElement::getText).toList();
    }

    public List<String> history() {
        return driver.findElements(By.cssSelector("#history li[data-test='history']")).stream()
                .map(WebElement::getText).toList();
    }

    public IncidentPage acknowledge(String user, String note) {
        return act("ack", user, note);
    }

    public IncidentPage contain(String user, String note) {
        return act("contain", user, note);
    }

    public IncidentPage resolve(String user, String note) {
        return act("resolve", user, note);
    }

    public IncidentPage falsePositive(String user, String note) {
        return act("false-positive", user, note);
    }

    /** The line under the buttons after an action: "Now ACKNOWLEDGED." or the API's error. */
    public String actionResult() {
        return text("action-result");
    }

    /** The plan panel's rows: steps (status, title, kind, by, note), tiers (tier, after, due, state, notify, channels), notices. */
    public List<Map<String, String>> planSteps() {
        return rows(By.id("plan-steps"), "plan-step");
    }

    public List<Map<String, String>> planTiers() {
        return rows(By.id("plan-escalations"), "plan-tier");
    }

    public List<Map<String, String>> planObligations() {
        return rows(By.id("plan-obligations"), "plan-obligation");
    }

    public List<Map<String, String>> planNotices() {
        return rows(By.id("plan-notices"), "plan-notice");
    }

    public String planResult() {
        return text("plan-result");
    }

    /** Presses a plan button (target steps or obligations, the item's id, the status it sets) and waits for the answer. */
    public IncidentPage planAction(String user, String target, String id, String status) {
        if (user != null) {
            type("user-name", user);
        }
        By result = By.id("plan-result");
        String before = generation(result);
        driver.findElement(By.cssSelector("button[data-target='" + target + "'][data-id='" + id + "'][data-status='"
                + status + "']")).click();
        awaitLoad(result, before);
        return this;
    }

    /**
     * Fills the name (loopback: who is acting; null leaves it) and the note, presses the button and waits for the
     * answer.
     */
    private IncidentPage act(String buttonId, String user, String note) {
        if (user != null) {
            type("user-name", user);
        }
        type("note", note);
        String before = generation(RESULT);
        driver.findElement(By.id(buttonId)).click();
        awaitLoad(RESULT, before);
        return this;
    }
}
