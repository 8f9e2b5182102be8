package io.driftwatch.cli;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.notify.NotifierSpec;
import io.driftwatch.notify.NotifiersFile;
import io.driftwatch.notify.NotifyEngine;
import io.driftwatch.notify.NotifyService;
import io.driftwatch.notify.PlanDeliveries;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "notify", mixinStandardHelpOptions = true,
        description = {"Send alerts and the response plan's incident notifications to Slack-compatible webhooks, PagerDuty (Events API v2),"
                + " generic webhooks, Microsoft Teams, e-mail (SMTP), Jira and Amazon SNS until stopped (Ctrl-C).",
                "",
                "Consumes the alerts and incident-notifications topics with its own consumer group, and reports each plan "
                        + "notification's delivery per channel to incident-inputs; each notifier has its own filters, queue, thread and "
                        + "retries, so one that is slow or down never holds up the others. The notifiers file is checked completely at "
                        + "start (file:line: message). Kafka and registry settings as for run: --properties, KAFKA_* variables, flags. "
                        + "See src/notifications.md."})
final class NotifyCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "NOTIFIERS.yaml", required = true,
            description = "The notifiers file (YAML; example: deploy/notifiers.example.yaml).")
    Path notifiersFile;

    @Option(names = "--properties", paramLabel = "FILE",
            description = "Properties file with the Kafka, registry and driftwatch.* keys (what run takes as --config).")
    Path propertiesFile;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--group", paramLabel = "ID", defaultValue = NotifyService.DEFAULT_GROUP,
            description = "Consumer group (default: ${DEFAULT-VALUE}); one group per set of notifiers.")
    String group;

    @Option(names = "--from-beginning",
            description = "A group without committed offsets starts at the oldest alert instead of the newest.")
    boolean fromBeginning;

    @Option(names = "--status-interval", paramLabel = "SECONDS", defaultValue = "60",
            description = "Print sent/retried/failed/dropped per notifier this often (default: ${DEFAULT-VALUE}; 0: never).")
    long statusSeconds;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "On stop, how long the notifiers may take to deliver what they hold (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop after this many seconds (default 0: run until Ctrl-C).")
    long durationSeconds;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Port of /metrics, /health/live and /health/ready (default: driftwatch.notify.metrics.port, else "
                    + "8473; 0: off). See src/monitoring.md.")
    Integer metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS",
            description = "Address the metrics port listens on (default: driftwatch.notify.metrics.address, else 127.0.0.1;"
                    + " in a pod: 0.0.0.0).")
    String metricsAddress;

    @Option(names = "--check", description = "Only check the notifiers file (secrets included) and list the notifiers.")
    boolean check;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<NotifierSpec> notifiers = NotifiersFile.load(notifiersFile, System.getenv());
        if (notifiers.isEmpty()) {
            throw new IllegalArgumentException(notifiersFile + ": every notifier is disabled; nothing to do");
        }
        if (check) {
            out.println(notifiersFile + ": " + notifiers.size() + " notifier(s)");
            notifiers.forEach(n -> out.println("  " + n));
            out.flush();
            return 0;
        }
        DriftwatchConfig config = connection.load(propertiesFile);
        config.require(DriftwatchConfig.BOOTSTRAP_SERVERS);
        config.require(DriftwatchConfig.SCHEMA_REGISTRY_URL);

        io.driftwatch.metrics.MetricsEndpoint endpoint = io.driftwatch.metrics.MetricsEndpoint.resolve(metricsPort,
                metricsAddress, config::get, "notify", io.driftwatch.metrics.MetricsEndpoint.NOTIFIER_PORT);
        io.driftwatch.app.config.TopicCatalog topics = io.driftwatch.app.config.TopicCatalog.builtIn();
        // Plan notifications (src/response-plan.md): read from incident-notifications, each channel's outcome reported to
        // incident-inputs as a PlanDelivery.
        PlanDeliveries deliveries = PlanDeliveries.start(NotifyCommand.clientProperties(config),
                topics.name("incident-inputs", config));
        NotifyEngine engine = NotifyEngine.start(notifiers, deliveries);
        NotifyService service = new NotifyService(NotifyCommand.clientProperties(config), topics.name("alerts", config),
                topics.name("incident-notifications", config), engine, group, fromBeginning);
        io.driftwatch.metrics.ProcessMetrics metrics = io.driftwatch.metrics.ProcessMetrics.start();
        service.bindTo(metrics);
        io.driftwatch.metrics.MetricsServer metricsServer = null;
        if (endpoint.enabled()) {
            try {
                metricsServer = io.driftwatch.metrics.MetricsServer.start(endpoint.address(), endpoint.port(), metrics,
                        service::live, service::ready);
            } catch (java.io.IOException e) {
                engine.close(Duration.ZERO);
                deliveries.close();
                metrics.close();
                throw new IllegalArgumentException("cannot serve metrics on " + endpoint.address() + ":" + endpoint.port()
                        + " (" + e.getMessage() + "): choose another --metrics-port, or 0 for none", e);
            }
            out.println("notify: metrics and health on " + metricsServer.url());
        }
        out.println("notify: " + notifiers.size() + " notifier(s) on " + service.topic() + " and "
                + service.notificationsTopic() + " (group " + group + "; deliveries to " + deliveries.topic() + ")");
        notifiers.forEach(n -> out.println("  " + n));
        out.flush();

        // Ctrl-C stops the consumer; the hook waits for the notifiers to drain.
        StopHook hook = new StopHook("notify-stop", service::stop, Duration.ofSeconds(drainSeconds + 20));
        Thread timer = null;
        if (durationSeconds > 0) {
            timer = new Thread(() -> {
                try {
                    Thread.sleep(TimeUnit.SECONDS.toMillis(durationSeconds));
                    service.stop();
                } catch (InterruptedException ignored) {
                    // stopped otherwise
                }
            }, "notify-duration");
            timer.setDaemon(true);
            timer.start();
        }
        try {
            service.run(out, Duration.ofSeconds(statusSeconds));
        } finally {
            if (timer != null) {
                timer.interrupt();
            }
            out.println("notify: stopping; delivering what is queued (at most " + drainSeconds + " s)");
            out.flush();
            boolean drained = engine.close(Duration.ofSeconds(drainSeconds));
            deliveries.close(); // after the notifiers: their last outcomes are written
            out.println(service.statusLine() + (drained ? "" : " (some alerts not delivered: see the log)"));
            out.flush();
            if (metricsServer != null) {
                metricsServer.close();
            }
            metrics.close();
            hook.close();
        }
        return 0;
    }

    /** The Kafka and registry keys the notifier's consumer needs, both addresses required. */
    static java.util.Map<String, Object> clientProperties(io.driftwatch.app.config.DriftwatchConfig config) {
        java.util.Map<String, Object> props = new java.util.HashMap<>(config.clientProperties());
        props.put(io.driftwatch.app.config.DriftwatchConfig.BOOTSTRAP_SERVERS,
                config.require(io.driftwatch.app.config.DriftwatchConfig.BOOTSTRAP_SERVERS));
        config.require(io.driftwatch.app.config.DriftwatchConfig.SCHEMA_REGISTRY_URL);
        return props;
    }
}
