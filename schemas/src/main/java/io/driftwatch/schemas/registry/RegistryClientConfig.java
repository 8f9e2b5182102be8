package io.driftwatch.schemas.registry;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * The registry client's settings, read from Confluent's own configuration keys so that a
 * configuration written for Confluent's serde works unchanged here.
 */
public final class RegistryClientConfig {
    public static final String URL = "schema.registry.url";
    public static final String BASIC_AUTH_CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    public static final String MAX_RETRIES = "max.retries";
    public static final String RETRIES_WAIT_MS = "retries.wait.ms";
    public static final String RETRIES_MAX_WAIT_MS = "retries.max.wait.ms";
    public static final String HTTP_CONNECT_TIMEOUT_MS = "http.connect.timeout.ms";
    public static final String HTTP_READ_TIMEOUT_MS = "http.read.timeout.ms";
    public static final String MAX_SCHEMAS_PER_SUBJECT = "max.schemas.per.subject";
    /**
     * Confluent's prefix for the registry client's TLS settings: {@code schema.registry.ssl.truststore.location} and
     * the other {@code ssl.*} keys of a Kafka client, read the way Kafka reads them (JKS, PKCS12 or PEM).
     */
    public static final String SSL_PREFIX = "schema.registry.";

    private final List<URI> urls;
    private final Optional<String> authorizationHeader;
    private final int maxRetries;
    private final Duration retryWait;
    private final Duration retryMaxWait;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int cacheCapacity;
    private final Optional<Tls> tls;

    /** The TLS context and parameters built from the {@code schema.registry.ssl.*} keys. */
    record Tls(SSLContext context, SSLParameters parameters) {
    }

    private RegistryClientConfig(List<URI> urls, Optional<String> authorizationHeader, int maxRetries,
                                 Duration retryWait, Duration retryMaxWait, Duration connectTimeout,
                                 Duration readTimeout, int cacheCapacity, Optional<Tls> tls) {
        this.urls = List.copyOf(urls);
        this.authorizationHeader = authorizationHeader;
        this.maxRetries = maxRetries;
        this.retryWait = retryWait;
        this.retryMaxWait = retryMaxWait;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.cacheCapacity = cacheCapacity;
        this.tls = tls;
    }

    /** Reads the settings from a Kafka-style configuration map; fails with the key's name on a bad value. */
    public static RegistryClientConfig from(Map<String, ?> configs) {
        Object rawUrls = configs.get(URL);
        if (rawUrls == null || rawUrls.toString().isBlank()) {
            throw new IllegalArgumentException("Missing required configuration '" + URL
                    + "': the schema registry's URL (several may be given, separated by commas)");
        }
        List<String> urlTexts = rawUrls instanceof List<?> list
                ? list.stream().map(String::valueOf).toList()
                : List.of(rawUrls.toString().split(","));
        List<URI> urls = new ArrayList<>();
        String urlUserInfo = null;
        for (String text : urlTexts) {
            String trimmed = text.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid '" + URL + "' entry '" + trimmed + "': " + e.getMessage(), e);
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null) {
                throw new IllegalArgumentException("Invalid '" + URL + "' entry '" + trimmed
                        + "': expected http://host:port or https://host:port");
            }
            if (uri.getUserInfo() != null) {
                urlUserInfo = uri.getUserInfo();
                uri = URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                        + (uri.getRawPath() == null ? "" : uri.getRawPath()));
            }
            urls.add(uri);
        }
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("Configuration '" + URL + "' holds no URL");
        }

        String source = string(configs, BASIC_AUTH_CREDENTIALS_SOURCE, "URL").toUpperCase(Locale.ROOT);
        Optional<String> auth = switch (source) {
            case "URL" -> Optional.ofNullable(urlUserInfo).map(RegistryClientConfig::basic);
            case "USER_INFO" -> {
                String userInfo = string(configs, BASIC_AUTH_USER_INFO, "");
                if (!userInfo.contains(":")) {
                    throw new IllegalArgumentException("'" + BASIC_AUTH_CREDENTIALS_SOURCE + "=USER_INFO' needs '"
                            + BASIC_AUTH_USER_INFO + "' as user:password");
                }
                yield Optional.of(basic(userInfo));
            }
            default -> throw new IllegalArgumentException("Unsupported '" + BASIC_AUTH_CREDENTIALS_SOURCE + "' value '"
                    + source + "': this client supports URL and USER_INFO");
        };

        return new RegistryClientConfig(urls, auth,
                integer(configs, MAX_RETRIES, 3, 0),
                Duration.ofMillis(integer(configs, RETRIES_WAIT_MS, 1000, 0)),
                Duration.ofMillis(integer(configs, RETRIES_MAX_WAIT_MS, 2000, 0)),
                Duration.ofMillis(integer(configs, HTTP_CONNECT_TIMEOUT_MS, 10_000, 1)),
                Duration.ofMillis(integer(configs, HTTP_READ_TIMEOUT_MS, 30_000, 1)),
                integer(configs, MAX_SCHEMAS_PER_SUBJECT, 1000, 1),
                tls(configs));
    }

    /**
     * The TLS settings under {@link #SSL_PREFIX} (as Confluent's client reads them): none given, the JVM's defaults
     * (its cacerts) serve https URLs. Kafka's own {@link DefaultSslEngineFactory} loads the stores, so every store
     * type and key a Kafka client accepts works here too.
     */
    private static Optional<Tls> tls(Map<String, ?> configs) {
        Map<String, Object> ssl = new TreeMap<>();
        configs.forEach((key, value) -> {
            if (key.startsWith(SSL_PREFIX + "ssl.") && value != null) {
                ssl.put(key.substring(SSL_PREFIX.length()), value);
            }
        });
        if (ssl.isEmpty()) {
            return Optional.empty();
        }
        Object identification = ssl.get(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG);
        if (identification != null && !identification.toString().trim().equalsIgnoreCase("https")) {
            // java.net.http checks the host name of every https connection and offers no per-client switch.
            throw new IllegalArgumentException("'" + SSL_PREFIX + SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG
                    + "' can only be https here: the registry's certificate must name the host in schema.registry.url");
        }
        Map<String, Object> parsed;
        try {
            parsed = new ConfigDef().withClientSslSupport().parse(ssl);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("Invalid registry TLS setting (" + SSL_PREFIX + "ssl.*): " + e.getMessage(), e);
        }
        DefaultSslEngineFactory factory = new DefaultSslEngineFactory();
        try {
            factory.configure(parsed);
            SSLParameters parameters = factory.sslContext().getDefaultSSLParameters();
            @SuppressWarnings("unchecked")
            List<String> protocols = (List<String>) parsed.get(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG);
            if (protocols != null && !protocols.isEmpty()) {
                parameters.setProtocols(protocols.toArray(String[]::new));
            }
            @SuppressWarnings("unchecked")
            List<String> ciphers = (List<String>) parsed.get(SslConfigs.SSL_CIPHER_SUITES_CONFIG);
            if (ciphers != null && !ciphers.isEmpty()) {
                parameters.setCipherSuites(ciphers.toArray(String[]::new));
            }
            return Optional.of(new Tls(factory.sslContext(), parameters));
        } catch (KafkaException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Cannot set up TLS for the schema registry from " + SSL_PREFIX
                    + "ssl.* (truststore " + ssl.get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG) + ", keystore "
                    + ssl.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) + "): " + rootMessage(e), e);
        } finally {
            factory.close();
        }
    }

    private static String rootMessage(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    static String string(Map<String, ?> configs, String key, String fallback) {
        Object value = configs.get(key);
        return value == null ? fallback : value.toString().trim();
    }

    static int integer(Map<String, ?> configs, String key, int fallback, int min) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        int parsed;
        try {
            parsed = value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be an integer, was '" + value + "'", e);
        }
        if (parsed < min) {
            throw new IllegalArgumentException("Configuration '" + key + "' must be at least " + min + ", was " + parsed);
        }
        return parsed;
    }

    public List<URI> urls() {
        return urls;
    }

    Optional<String> authorizationHeader() {
        return authorizationHeader;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public Duration retryWait() {
        return retryWait;
    }

    public Duration retryMaxWait() {
        return retryMaxWait;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public int cacheCapacity() {
        return cacheCapacity;
    }

    Optional<Tls> tls() {
        return tls;
    }
}
