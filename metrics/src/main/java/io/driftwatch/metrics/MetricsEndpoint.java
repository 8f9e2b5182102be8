package io.driftwatch.metrics;

import java.util.Locale;
import java.util.function.Function;

/**
 * Where a process without a console serves {@code /metrics} and {@code /health/*}: {@code --metrics-port} and
 * {@code --metrics-address}, else {@code driftwatch.<component>.metrics.port} and {@code .address} (from the
 * configuration, or the environment as {@code DRIFTWATCH_<COMPONENT>_METRICS_PORT}), else the component's default
 * port on loopback. Port 0 turns the server off. src/configuration.md lists the keys.
 */
public record MetricsEndpoint(String address, int port) {
    public static final String LOOPBACK = "127.0.0.1";
    /** Default ports: the app's console is 8470. */
    public static final int AGENT_PORT = 8471;
    public static final int RESPONDER_PORT = 8472;
    public static final int NOTIFIER_PORT = 8473;

    public MetricsEndpoint {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the metrics port must be 0 (off) to 65535, not " + port);
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("the metrics address must not be empty (default " + LOOPBACK + ")");
        }
    }

    public boolean enabled() {
        return port != MetricsServer.OFF;
    }

    /** The configuration key of a component's port, e.g. {@code driftwatch.agent.metrics.port}. */
    public static String portKey(String component) {
        return "driftwatch." + component + ".metrics.port";
    }

    public static String addressKey(String component) {
        return "driftwatch." + component + ".metrics.address";
    }

    /**
     * @param flagPort    {@code --metrics-port}, or null when not given
     * @param flagAddress {@code --metrics-address}, or null
     * @param config      the component's configuration by key (null when unset)
     */
    public static MetricsEndpoint resolve(Integer flagPort, String flagAddress, Function<String, String> config,
                                          String component, int defaultPort) {
        int port = defaultPort;
        if (flagPort != null) {
            port = flagPort;
        } else {
            String value = config.apply(portKey(component));
            if (value != null && !value.isBlank()) {
                try {
                    port = Integer.parseInt(value.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Configuration '" + portKey(component) + "' must be a port number"
                            + " (0: off), was '" + value + "'");
                }
            }
        }
        String address = flagAddress;
        if (address == null) {
            String value = config.apply(addressKey(component));
            address = value == null || value.isBlank() ? LOOPBACK : value.trim();
        }
        return new MetricsEndpoint(address, port);
    }

    /**
     * The environment as configuration: {@code driftwatch.agent.metrics.port} is read from
     * {@code DRIFTWATCH_AGENT_METRICS_PORT} (the convention of src/configuration.md), for the node's processes, which
     * take no properties file.
     */
    public static Function<String, String> environment(Function<String, String> env) {
        return key -> env.apply(key.toUpperCase(Locale.ROOT).replace('.', '_'));
    }
}
