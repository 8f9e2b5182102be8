package io.driftwatch.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.driftwatch.schemas.Records;
import io.driftwatch.schemas.SampleRecords;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.testkit.RealKafka;
import io.driftwatch.embedded.SchemaRegistryServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Every record type of the contract, written and read back through a real topic on a real broker. */
@RealKafka
class RecordsThroughKafkaIT {

    @Test
    void everyRecordTypeRoundTrips(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        List<SpecificRecord> samples = SampleRecords.all();
        assertEquals(Records.ALL.size(), samples.size());
        for (SpecificRecord sample : samples) {
            String topic = "roundtrip-" + sample.getClass().getSimpleName();
            kafka.createTopics(1, topic);
            assertEquals(List.of(sample), roundTrip(kafka, registry, topic, sample), topic);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Object> roundTrip(KafkaBroker kafka, SchemaRegistryServer registry, String topic,
                                          SpecificRecord record) throws Exception {
        Map<String, Object> serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registry.confluentApiUrl());
        Class<SpecificRecord> type = (Class<SpecificRecord>) record.getClass();

        Map<String, Object> producerConfig = new HashMap<>(serdeConfig);
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
            producer.send(new ProducerRecord<>(topic, "key-1", record)).get();
        }

        Map<String, Object> consumerConfig = new HashMap<>(serdeConfig);
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
        consumerConfig.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, "true");
        List<Object> read = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerConfig)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (read.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(200))) {
                    assertEquals("key-1", r.key());
                    assertEquals(type, r.value().getClass());
                    read.add(r.value());
                }
            }
        }
        return read;
    }
}
