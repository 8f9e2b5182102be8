package io.driftwatch.schemas.serde;

import io.driftwatch.schemas.registry.RegistryClientConfig;
import java.util.Map;
import java.util.Set;
import org.slf4j.LoggerFactory;

/**
 * The serde's settings, under Confluent's own keys (the registry client's keys are in
 * {@link RegistryClientConfig}). Only the topic-name subject strategy is supported: a value on
 * topic {@code t} is registered under subject {@code t-value}, a key under {@code t-key}.
 */
public final class AvroSerdeConfig {
    public static final String SCHEMA_REGISTRY_URL = RegistryClientConfig.URL;
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String LATEST_COMPATIBILITY_STRICT = "latest.compatibility.strict";
    public static final String LATEST_CACHE_TTL_SEC = "latest.cache.ttl.sec";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String KEY_SUBJECT_NAME_STRATEGY = "key.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY = "value.subject.name.strategy";

    private static final Set<String> TOPIC_NAME_STRATEGIES = Set.of(
            "io.confluent.kafka.serializers.subject.TopicNameStrategy", "TopicNameStrategy");

    final boolean autoRegister;
    final boolean useLatestVersion;
    final boolean latestCompatibilityStrict;
    final long latestCacheTtlMillis;
    final boolean specificReader;

    private AvroSerdeConfig(boolean autoRegister, boolean useLatestVersion, boolean latestCompatibilityStrict,
                            long latestCacheTtlMillis, boolean specificReader) {
        this.autoRegister = autoRegister;
        this.useLatestVersion = useLatestVersion;
        this.latestCompatibilityStrict = latestCompatibilityStrict;
        this.latestCacheTtlMillis = latestCacheTtlMillis;
        this.specificReader = specificReader;
    }

    static AvroSerdeConfig from(Map<String, ?> configs, boolean isKey) {
        String strategyKey = isKey ? KEY_SUBJECT_NAME_STRATEGY : VALUE_SUBJECT_NAME_STRATEGY;
        Object strategy = configs.get(strategyKey);
        if (strategy != null) {
            String name = strategy instanceof Class<?> c ? c.getName() : strategy.toString().trim();
            if (!TOPIC_NAME_STRATEGIES.contains(name)) {
                throw new IllegalArgumentException("Unsupported '" + strategyKey + "' " + name
                        + ": Driftwatch's serde supports only the topic-name strategy (subject <topic>-"
                        + (isKey ? "key" : "value") + ")");
            }
        }
        boolean useLatest = bool(configs, USE_LATEST_VERSION, false);
        boolean autoRegister = bool(configs, AUTO_REGISTER_SCHEMAS, true);
        if (useLatest && autoRegister) {
            // As in Confluent's serializer, auto-registration wins; say so rather than surprise.
            LoggerFactory.getLogger(AvroSerdeConfig.class).warn("'{}=true' has no effect while '{}=true'; set '{}=false' "
                    + "to serialize with the latest registered schema", USE_LATEST_VERSION, AUTO_REGISTER_SCHEMAS,
                    AUTO_REGISTER_SCHEMAS);
        }
        Object ttl = configs.get(LATEST_CACHE_TTL_SEC);
        long ttlMillis = ttl == null ? -1 : Long.parseLong(ttl.toString().trim()) * 1000;
        return new AvroSerdeConfig(autoRegister, useLatest, bool(configs, LATEST_COMPATIBILITY_STRICT, true),
                ttlMillis, bool(configs, SPECIFIC_AVRO_READER, false));
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean fallback) {
        Object value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value.toString().trim();
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        if (text.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException("Configuration '" + key + "' must be true or false, was '" + value + "'");
    }
}
