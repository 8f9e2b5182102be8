package io.driftwatch.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/** The test class gets the run's real Kafka broker and real schema registry as parameters. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith({KafkaBrokerExtension.class, SchemaRegistryExtension.class})
public @interface RealKafka {
}
