package io.driftwatch.notify;

import static io.driftwatch.notify.TestNotifications.GROUP_KEY;
import static io.driftwatch.notify.TestNotifications.INCIDENT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.driftwatch.embedded.KafkaBroker;
import io.driftwatch.embedded.SchemaRegistryServer;
import io.driftwatch.model.IncidentInput;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanDelivery;
import io.driftwatch.schemas.serde.AvroDeserializer;
import io.driftwatch.schemas.serde.AvroSerdeConfig;
import io.driftwatch.schemas.serde.AvroSerializer;
import io.driftwatch.testkit.RealKafka;
import jakarta.mail.internet.MimeMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Plan notifications end to end on the real broker and registry: an IncidentNotification produced to the
 * incident-notifications topic names three channels (an email notifier sending to GreenMail, a webhook, and a name no
 * notifier has); the same NotifyService the command runs delivers the mail and the webhook request and writes one
 * PlanDelivery per channel (IncidentInput, keyed by the group key) to the incident-inputs topic.
 */
@RealKafka
class NotifyChannelsIT {
    @Test
    void aNotificationIsDeliveredOnItsChannelsAndEachDeliveryReportedToIncidentInputs(KafkaBroker kafka,
                                                                                   SchemaRegistryServer registry) throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.confluentApiUrl());
        String alerts = "channelsit.alerts";
        String notifications = "channelsit.incident-notifications";
        String inputs = "channelsit.incident-inputs";
        kafka.createTopics(2, alerts, notifications, inputs);

        GreenMail mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("dw@example.com", "dw", "pw"));
        mail.start();
        try (RecordingServer server = RecordingServer.start()) {
            List<NotifierSpec> specs = NotifiersFile.parse("""
                    notifiers:
                      - type: email
                        name: security-email
                        host: 127.0.0.1
                        port: %d
                        starttls: off
                        from: dw@example.com
                        alerts: false
                      - {type: webhook, name: security-hook, url: "%s"}
                    """.formatted(mail.getSmtp().getPort(), server.url("/hook")), "notifiers.yaml",
                    java.nio.file.Path.of("."), Map.of());

            IncidentNotification n = TestNotifications.notification("ESCALATION", 1,
                    List.of("security-email", "security-hook", "sms"));
            Map<String, Object> producerConfig = new HashMap<>(client);
            producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, AvroSerializer.class);
            try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerConfig)) {
                producer.send(new ProducerRecord<>(notifications, INCIDENT, n)).get();
            }

            PlanDeliveries deliveries = PlanDeliveries.start(client, inputs);
            NotifyEngine engine = NotifyEngine.start(specs, deliveries);
            NotifyService service = new NotifyService(client, alerts, notifications, engine, "channels-it", true);
            Thread runner = new Thread(() -> service.run(new PrintWriter(new StringWriter()), Duration.ZERO), "channels-it");
            runner.start();
            Map<String, PlanDelivery> byChannel = new TreeMap<>();
            List<String> keys = new ArrayList<>();
            try {
                assertTrue(mail.waitForIncomingEmail(60_000, 1), "the mail arrived");
                MimeMessage m = mail.getReceivedMessages()[0];
                assertEquals("Alice Ng <alice@example.com>", m.getAllRecipients()[0].toString(), "the plan's recipient with an address");
                String body = (String) m.getContent();
                assertTrue(body.contains("Incident: " + INCIDENT) && body.contains("Escalation tier: 1"), body);
                RecordingServer.Request hook = server.await("/hook", 1, Duration.ofSeconds(30)).get(0);
                assertEquals(n.getNotificationId(), hook.json().path("notificationId").asText());

                Map<String, Object> consumerConfig = new HashMap<>(client);
                consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "channels-it-reader");
                consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
                consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, AvroDeserializer.class);
                consumerConfig.put(AvroSerdeConfig.SPECIFIC_AVRO_READER, true);
                try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerConfig)) {
                    consumer.subscribe(List.of(inputs));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (byChannel.size() < 3 && System.nanoTime() < deadline) {
                        for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                            IncidentInput input = (IncidentInput) r.value();
                            keys.add(r.key());
                            assertEquals(INCIDENT, input.getIncidentId());
                            assertNull(input.getAlert());
                            byChannel.put(input.getDelivery().getChannel(), input.getDelivery());
                        }
                    }
                }
            } finally {
                service.stop();
                runner.join(TimeUnit.SECONDS.toMillis(30));
                engine.close(Duration.ofSeconds(5));
                deliveries.close();
                mail.stop();
            }
            assertEquals(List.of("security-email", "security-hook", "sms"), List.copyOf(byChannel.keySet()), byChannel.toString());
            assertEquals(List.of(GROUP_KEY, GROUP_KEY, GROUP_KEY), keys, "keyed by the incident's group key");
            PlanDelivery email = byChannel.get("security-email");
            assertEquals("delivered", email.getOutcome());
            assertEquals(n.getNotificationId(), email.getNotificationId());
            assertTrue(email.getReference().matches("<.+@.+>"), "the SMTP Message-ID: " + email.getReference());
            assertEquals(List.of("alice@example.com"), email.getRecipients().stream().map(r -> r.getEmail()).toList());
            assertTrue(email.getAt() > 0);
            PlanDelivery hook = byChannel.get("security-hook");
            assertEquals("delivered", hook.getOutcome());
            assertEquals("HTTP 202", hook.getDetail());
            assertEquals(2, hook.getRecipients().size(), "the notification's recipients");
            PlanDelivery sms = byChannel.get("sms");
            assertEquals("failed", sms.getOutcome());
            assertEquals("no notifier named sms", sms.getDetail());
            assertTrue(service.statusLine().startsWith("notify: 0 alerts read, 1 notifications"), service.statusLine());
            assertEquals(3, deliveries.reported());
        }
    }
}
