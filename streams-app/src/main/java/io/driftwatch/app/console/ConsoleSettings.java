package io.driftwatch.app.console;

import io.driftwatch.app.config.DriftwatchConfig;
import java.nio.file.Path;

/**
 * Where the console and HTTP API listen and who may use them (src/api.md, "Security").
 *
 * @param port        {@code driftwatch.http.port}: 8470 by default; 0 means no console or API (the caller then does
 *                    not start the server; tests pass 0 straight to {@link ConsoleServer#start} for a free port)
 * @param host        {@code driftwatch.http.host}: the address to bind, 127.0.0.1 by default; anything that is not
 *                    loopback needs a token file or a proxy header
 * @param tokenFile   {@code driftwatch.http.token.file}: bearer tokens, one token (user {@code api}) or lines
 *                    {@code user token}; null for none
 * @param proxyHeader {@code driftwatch.http.auth.proxy.header}: the header in which an authenticating proxy in front
 *                    (oauth2-proxy and the like) names the user, e.g. {@code X-Forwarded-User}; null for none
 */
public record ConsoleSettings(int port, String host, Path tokenFile, String proxyHeader) {
    public static final String PORT = "driftwatch.http.port";
    public static final String HOST = "driftwatch.http.host";
    public static final String TOKEN_FILE = "driftwatch.http.token.file";
    public static final String PROXY_HEADER = "driftwatch.http.auth.proxy.header";
    public static final int DEFAULT_PORT = 8470;
    public static final String DEFAULT_HOST = "127.0.0.1";

    public ConsoleSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("Configuration '" + PORT + "' must be a port number (0 for no console), was "
                    + port);
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("Configuration '" + HOST + "' must be an address to listen on");
        }
        host = host.trim();
        proxyHeader = proxyHeader == null || proxyHeader.isBlank() ? null : proxyHeader.trim();
        if (proxyHeader != null && !proxyHeader.matches("[A-Za-z0-9-]+")) {
            throw new IllegalArgumentException("Configuration '" + PROXY_HEADER + "' must be a header name such as "
                    + "X-Forwarded-User, was '" + proxyHeader + "'");
        }
    }

    /** Loopback on the default port, no token and no proxy: what a laptop runs. */
    public static ConsoleSettings loopback(int port) {
        return new ConsoleSettings(port, DEFAULT_HOST, null, null);
    }

    public static ConsoleSettings from(DriftwatchConfig config) {
        String portText = config.get(PORT, Integer.toString(DEFAULT_PORT)).trim();
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + PORT + "' must be a port number (0 for no console), "
                    + "was '" + portText + "'");
        }
        String tokenFile = config.get(TOKEN_FILE);
        return new ConsoleSettings(port, config.get(HOST, DEFAULT_HOST),
                tokenFile == null || tokenFile.isBlank() ? null : Path.of(tokenFile.trim()), config.get(PROXY_HEADER));
    }

    /** False when {@code driftwatch.http.port} is 0: the caller starts no server. */
    public boolean enabled() {
        return port != 0;
    }
}
