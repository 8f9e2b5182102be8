package io.driftwatch.app.console.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A headless Debian chromium driven through Debian's chromedriver (apt-get install chromium chromium-driver; .ci/run
 * installs them). Nothing is downloaded: with the driver's path given, Selenium Manager is never asked (Selenium's
 * DriverFinder skips it when the service names its executable or {@code webdriver.chrome.driver} is set), and the
 * browser is the binary named here. Other paths: system properties {@code driftwatch.test.chromium} and
 * {@code driftwatch.test.chromedriver}.
 */
public final class Browser {
    /** How long page objects wait for a condition. */
    public static final Duration WAIT = Duration.ofSeconds(15);

    private Browser() {
    }

    /**
     * {@code @ExtendWith(Browser.Required.class)} on a test class: its tests are reported skipped, with what is
     * missing, when chromium or chromedriver is not installed (an assumption in {@code @BeforeAll} would hide them).
     */
    public static final class Required implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            String missing = missing();
            return missing == null ? ConditionEvaluationResult.enabled("chromium and chromedriver are installed")
                    : ConditionEvaluationResult.disabled("browser tests skipped: " + missing);
        }
    }

    public static Path chromium() {
        return Path.of(System.getProperty("driftwatch.test.chromium", "/usr/bin/chromium"));
    }

    public static Path chromedriver() {
        return Path.of(System.getProperty("driftwatch.test.chromedriver", "/usr/bin/chromedriver"));
    }

    /** Null when both are installed, else what is missing. */
    public static String missing() {
        if (!Files.isExecutable(chromium())) {
            return chromium() + " is not installed (apt-get install chromium chromium-driver)";
        }
        if (!Files.isExecutable(chromedriver())) {
            return chromedriver() + " is not installed (apt-get install chromium-driver)";
        }
        return null;
    }

    /**
     * A new headless browser; skips the calling test or class (a JUnit assumption naming what is missing) only when
     * chromium or chromedriver is not installed. The caller quits it.
     */
    public static WebDriver startOrSkip() {
        String missing = missing();
        Assumptions.assumeTrue(missing == null, () -> "browser tests skipped: " + missing);
        System.setProperty("webdriver.chrome.driver", chromedriver().toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium().toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--no-first-run", "--window-size=1400,1000");
        // Keeps the pages' console messages (CSP violations, script errors) for severeConsoleMessages().
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(chromedriver().toFile()).usingAnyFreePort().build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
        return driver;
    }

    /**
     * The browser's console messages at level SEVERE since the last call (a script error, a blocked resource, a
     * Content-Security-Policy violation), as text.
     */
    public static List<String> severeConsoleMessages(WebDriver driver) {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }
}
