package io.driftwatch.testkit;

import io.driftwatch.embedded.KafkaBroker;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link KafkaBroker} parameter: one real broker per test run, started when the
 * first test asks for it and stopped when the run ends (JUnit closes it with the root store).
 */
public final class KafkaBrokerExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == KafkaBroker.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return broker(context);
    }

    /** The run's broker, started on first use. */
    public static KafkaBroker broker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KafkaBroker.class, key -> {
            try {
                // The recorded scenarios' event times are fixed, so they age past the topics' time retention (7 days
                // for file-events) and the broker would delete their records at a retention check (every 5 minutes by
                // default) in the middle of a test that reads them. No test relies on time-based deletion.
                return KafkaBroker.start(TestkitDirectories.root().resolve("kafka"),
                        java.util.Map.of("log.retention.check.interval.ms", Long.toString(java.time.Duration.ofDays(1).toMillis())));
            } catch (Exception e) {
                throw new ParameterResolutionException("Could not start the test Kafka broker: " + e.getMessage(), e);
            }
        }, KafkaBroker.class);
    }
}
