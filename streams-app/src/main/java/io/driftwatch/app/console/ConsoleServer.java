package io.driftwatch.app.console;

import io.driftwatch.app.query.InvestigationService;
import io.driftwatch.schemas.text.FieldText;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.List;
import io.driftwatch.model.DrillReport;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The investigation console and HTTP API (src/api.md) on Javalin: the API under {@code /api/v1}, the pages (static
 * HTML, JavaScript and CSS that read the same API), ECharts from its WebJar, and {@code /health/live}.
 *
 * <p>Requests that carry {@code X-Driftwatch-Scope: local} (a peer instance fanning out) are answered by the
 * {@code local} service, all others by {@code cluster}.
 */
public final class ConsoleServer implements AutoCloseable {
    /** The Content-Security-Policy of every answer: script files from here only, nothing inline, no framing. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";
    static final String ECHARTS_PATH = "/vendor/echarts.min.js";
    private static final String PAGES = "/io/driftwatch/app/console/public";
    private static final String ECHARTS_POM = "/META-INF/maven/org.webjars.npm/echarts/pom.properties";
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);

    private final Javalin app;
    private final String url;

    private ConsoleServer(Javalin app, String url) {
        this.app = app;
        this.url = url;
    }

    /** Starts the console and API; {@code settings.port()} 0 takes a free port (tests). */
    public static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local) {
        return start(settings, cluster, local, (BooleanSupplier) null);
    }

    /**
     * As {@link #start(ConsoleSettings, InvestigationService, InvestigationService)}, also answering
     * {@code /health/ready} from {@code ready} (200 when true, else 503) when it is not null.
     */
    public static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local,
                                      BooleanSupplier ready) {
        return start(settings, cluster, local, ready, null, List::of);
    }

    /**
     * As {@link #start(ConsoleSettings, InvestigationService, InvestigationService)}, also serving the app's
     * {@code /metrics} and answering {@code /health/live} and {@code /health/ready} from {@code monitoring}'s checks
     * (200 or 503, with the reason).
     */
    public static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local,
                                      Monitoring monitoring) {
        return start(settings, cluster, local, null, Objects.requireNonNull(monitoring, "monitoring"), List::of);
    }

    /** As {@link #start(ConsoleSettings, InvestigationService, InvestigationService)}, with the drill reports of {@code drills} (newest first) at {@code /api/v1/drills}. */
    public static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local,
                                      Supplier<List<DrillReport>> drills) {
        return start(settings, cluster, local, null, null, drills);
    }

    /** As {@link #start(ConsoleSettings, InvestigationService, InvestigationService, Monitoring)}, with the drill reports of {@code drills}. */
    public static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local,
                                      Monitoring monitoring, Supplier<List<DrillReport>> drills) {
        return start(settings, cluster, local, null, Objects.requireNonNull(monitoring, "monitoring"), drills);
    }

    private static ConsoleServer start(ConsoleSettings settings, InvestigationService cluster, InvestigationService local,
                                       BooleanSupplier ready, Monitoring monitoring,
                                       Supplier<List<DrillReport>> drills) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(local, "local");
        ConsoleAuth auth = ConsoleAuth.from(settings);
        InvestigationApi api = new InvestigationApi(cluster, local, Clock.systemUTC());
        String echarts = echartsWebjarPath();
        QueuedThreadPool threads = new QueuedThreadPool(32, 2, 60_000);
        threads.setName("driftwatch-http");
        Javalin app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jetty.threadPool = threads;
            config.http.maxRequestSize = 64 * 1024;
            config.staticFiles.enableWebjars();
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = PAGES;
                files.location = Location.CLASSPATH;
            });
            config.routes.before(ctx -> securityHeaders(ctx));
            config.routes.before("/api/*", ctx -> authenticate(ctx, auth));
            if (monitoring != null) {
                // Like the pages, these need no credential: Prometheus and the kubelet call them (src/monitoring.md).
                config.routes.get("/health/live", ctx -> health(ctx, monitoring.live().get()));
                config.routes.get("/health/ready", ctx -> health(ctx, monitoring.ready().get()));
                config.routes.get("/metrics", ctx -> {
                    String accept = ctx.header("Accept");
                    boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
                    ctx.contentType(openMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                            : "text/plain; version=0.0.4; charset=utf-8");
                    ctx.header("Cache-Control", "no-store");
                    ctx.result(monitoring.metrics().scrape(accept));
                });
            } else {
                config.routes.get("/health/live", ctx -> InvestigationApi.json(ctx, status("UP")));
            }
            if (ready != null) {
                config.routes.get("/health/ready", ctx -> {
                    boolean up = ready.getAsBoolean();
                    ctx.status(up ? 200 : 503);
                    InvestigationApi.json(ctx, status(up ? "UP" : "DOWN"));
                });
            }
            config.routes.get(ECHARTS_PATH, ctx -> ctx.redirect(echarts));
            config.routes.get("/api/v1/trail", api::trail);
            config.routes.get("/api/v1/incidents", api::incidents);
            config.routes.get("/api/v1/incidents/{id}", api::incident);
            config.routes.post("/api/v1/incidents/{id}/status", api::changeStatus);
            config.routes.post("/api/v1/incidents/{id}/plan/steps/{stepId}", api::updateStep);
            config.routes.post("/api/v1/incidents/{id}/plan/obligations/{obligationId}", api::updateObligation);
            config.routes.get("/api/v1/captures/{id}", api::capture);
            config.routes.get("/api/v1/alerts", api::alerts);
            config.routes.get("/api/v1/alerts/histogram", api::histogram);
            config.routes.get("/api/v1/drills", ctx -> InvestigationApi.drills(ctx, drills.get()));
            config.routes.exception(Exception.class, ConsoleServer::failure);
        });
        app.start(settings.host(), settings.port());
        String host = settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
        ConsoleServer server = new ConsoleServer(app, "http://" + host + ":" + app.port());
        LOG.info("Console and API on {} ({})", server.url(), auth.open() ? "loopback: reads open, changes by "
                + ConsoleAuth.USER_HEADER : "authentication required");
        return server;
    }

    public int port() {
        return app.port();
    }

    /** The base URL, e.g. {@code http://127.0.0.1:8470}. */
    public String url() {
        return url;
    }

    @Override
    public void close() {
        app.stop();
    }

    private static void securityHeaders(Context ctx) {
        ctx.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
        if (ctx.path().startsWith("/api/")) {
            ctx.header("Cache-Control", "no-store");
        }
    }

    private static void authenticate(Context ctx, ConsoleAuth auth) {
        if (auth.open()) {
            // Open reads on loopback must not become open to any web page through DNS rebinding.
            String host = hostName(ctx.header("Host"));
            if (host == null || !isLoopbackName(host)) {
                throw new ConsoleAuth.Refused(403, "this API answers loopback names only (Host: localhost, 127.0.0.1 "
                        + "or [::1]); see src/api.md, \"Security\"");
            }
        }
        if (ctx.method() == HandlerType.POST) {
            String type = ctx.contentType();
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw new ConsoleAuth.Refused(415, "send the body as Content-Type: application/json");
            }
        }
        // The loopback name matters for state changes only; a read never fails over it.
        String user = auth.authenticate(ctx.header("Authorization"),
                auth.proxyHeader() == null ? null : ctx.header(auth.proxyHeader()),
                ctx.method() == HandlerType.POST ? ctx.header(ConsoleAuth.USER_HEADER) : null);
        if (user != null) {
            ctx.attribute(InvestigationApi.USER_ATTRIBUTE, user);
        }
    }

    private static String hostName(String hostHeader) {
        if (hostHeader == null || hostHeader.isBlank()) {
            return null;
        }
        try {
            return URI.create("http://" + hostHeader.trim() + "/").getHost();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isLoopbackName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.endsWith(".localhost") || h.startsWith("127.") || h.equals("[::1]")
                || h.equals("::1");
    }

    /** Service exceptions as statuses (src/api.md, "Errors"). */
    private static void failure(Exception e, Context ctx) {
        if (e instanceof ConsoleAuth.Refused refused) {
            if (refused.status() == 401) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"driftwatch\"");
            }
            InvestigationApi.error(ctx, refused.status(), refused.getMessage());
        } else if (e instanceof HttpResponseException http) {
            InvestigationApi.error(ctx, http.getStatus(), http.getMessage());
        } else if (e instanceof NoSuchElementException) {
            InvestigationApi.error(ctx, 404, message(e, "not found"));
        } else if (e instanceof IllegalArgumentException) {
            InvestigationApi.error(ctx, 400, message(e, "bad request"));
        } else if (e.getClass().getSimpleName().endsWith("UnavailableException")) {
            ctx.header("Retry-After", "1");
            InvestigationApi.error(ctx, 503, message(e, "not available yet: try again"));
        } else {
            LOG.error("{} {} failed", ctx.method(), FieldText.escapeControls(ctx.path()), e);
            InvestigationApi.error(ctx, 500, "internal error (" + e.getClass().getSimpleName() + "); the server logged it");
        }
    }

    private static String message(Exception e, String fallback) {
        return e.getMessage() == null || e.getMessage().isBlank() ? fallback : e.getMessage();
    }

    private static void health(Context ctx, io.driftwatch.metrics.Health health) {
        ctx.status(health.httpStatus());
        InvestigationApi.json(ctx, status(health.up() ? "UP" : "DOWN").put("reason", health.reason()));
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode status(String status) {
        return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("status", status);
    }

    /** Where Javalin's WebJar support serves ECharts, with the version of the WebJar on the classpath. */
    private static String echartsWebjarPath() {
        Properties pom = new Properties();
        try (InputStream in = ConsoleServer.class.getResourceAsStream(ECHARTS_POM)) {
            if (in != null) {
                pom.load(in);
            }
        } catch (IOException e) {
            LOG.warn("Cannot read the ECharts WebJar's version: the console's charts will be missing", e);
        }
        return "/webjars/echarts/" + pom.getProperty("version", "missing") + "/dist/echarts.min.js";
    }
}
