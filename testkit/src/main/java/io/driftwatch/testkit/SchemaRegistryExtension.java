package io.driftwatch.testkit;

import io.driftwatch.embedded.SchemaRegistryServer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a {@link SchemaRegistryServer} parameter: one real Apicurio Registry process per
 * test run, started on first use and stopped by its pid when the run ends.
 */
public final class SchemaRegistryExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SchemaRegistryExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SchemaRegistryServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return registry(context);
    }

    /** The run's registry, started on first use. */
    public static SchemaRegistryServer registry(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(SchemaRegistryServer.class, key -> {
            try {
                return SchemaRegistryServer.start(TestkitDirectories.root().resolve("schema-registry"));
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new ParameterResolutionException("Could not start the test schema registry: " + e.getMessage(), e);
            }
        }, SchemaRegistryServer.class);
    }
}
