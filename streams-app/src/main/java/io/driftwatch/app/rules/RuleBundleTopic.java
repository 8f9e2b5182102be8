package io.driftwatch.app.rules;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.RuleBundle;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.schemas.serde.AvroSerde;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The compacted rules topic (DESIGN.md, {@code driftwatch.rules}): {@link RuleBundle} values in
 * Avro through the schema registry, keyed by rule-set name. Publishes bundles and opens the
 * consumer that follows them. Thread-safe.
 */
public final class RuleBundleTopic implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final DriftwatchConfig config;
    private final AvroSerde<RuleBundle> serde;
    private KafkaProducer<String, RuleBundle> producer;

    public RuleBundleTopic(DriftwatchConfig config, String topic) {
        this.config = config;
        this.topic = topic;
        // Instances handed to a client are not configured by it: configure here.
        this.serde = AvroSerde.specific(RuleBundle.class).configuredForValues(config.clientProperties());
    }

    public String name() {
        return topic;
    }

    /** A bundle of the given files, its digest computed here. */
    public static RuleBundle bundle(String name, String version, Map<String, String> files, long publishedAt) {
        SortedMap<String, String> sorted = new TreeMap<>(files);
        return RuleBundle.newBuilder().setName(name).setVersion(version).setFiles(sorted)
                .setSha256(RuleBundles.sha256(sorted)).setPublishedAt(publishedAt).build();
    }

    /** The digest of a bundle's files: its {@code sha256} field, or computed when a publisher left it out. */
    public static String sha256(RuleBundle bundle) {
        return bundle.getSha256() != null && !bundle.getSha256().isBlank() ? bundle.getSha256()
                : RuleBundles.sha256(bundle.getFiles());
    }

    /**
     * Whether the topic exists. Checked before publishing: a producer would otherwise have a
     * broker with topic auto-creation make an ordinary, uncompacted topic of that name.
     */
    public boolean exists() {
        Map<String, Object> adminConfig = config.adminProperties();
        adminConfig.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(adminConfig)) {
            return admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topic);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot reach Kafka at " + config.get(DriftwatchConfig.BOOTSTRAP_SERVERS)
                    + " to look up topic " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking up topic " + topic, e);
        }
    }

    /** Writes the bundle under its name and waits for the broker's acknowledgement. */
    public synchronized RecordMetadata publish(RuleBundle bundle) throws ExecutionException, InterruptedException,
            TimeoutException {
        if (producer == null) {
            Map<String, Object> props = only(ProducerConfig.configNames());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "driftwatch-rules-publisher");
            props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis());
            props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
            props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis() / 2);
            producer = new KafkaProducer<>(props, new StringSerializer(), serde.serializer());
        }
        return producer.send(new ProducerRecord<>(topic, bundle.getName(), bundle))
                .get(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
    }

    /**
     * A consumer of the raw records, for the follower to decode one by one (a bundle that does not
     * decode is reported, not fatal). No group: the follower assigns every partition and reads
     * from the beginning; it never creates the topic.
     */
    KafkaConsumer<String, byte[]> newConsumer() {
        Map<String, Object> props = only(ConsumerConfig.configNames());
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "driftwatch-rules-follower");
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Decodes a record's value; a registry outage surfaces as {@code SchemaRegistryUnavailableException}. */
    RuleBundle decode(byte[] value) {
        return serde.deserializer().deserialize(topic, value);
    }

    private Map<String, Object> only(Set<String> known) {
        Map<String, Object> props = new TreeMap<>();
        config.clientProperties().forEach((key, value) -> {
            if (known.contains(key)) {
                props.put(key, value);
            }
        });
        props.put(DriftwatchConfig.BOOTSTRAP_SERVERS, config.require(DriftwatchConfig.BOOTSTRAP_SERVERS));
        return props;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
        serde.close();
    }
}
