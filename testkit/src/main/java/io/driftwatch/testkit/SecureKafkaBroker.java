package io.driftwatch.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft broker that authenticates and authorises like a production one: clients connect on
 * {@code SASL_SSL} with SCRAM-SHA-512 users (created through the Admin API, {@link #createScramUser}) or on
 * {@code SSL} with a client certificate (mTLS; the principal is the certificate's CN, through
 * {@code ssl.principal.mapping.rules}); {@link org.apache.kafka.metadata.authorizer.StandardAuthorizer} denies
 * whatever no ACL allows, and only {@code User:admin} (the broker itself and the test's administrator) is a super user.
 *
 * <p>Listeners: EXTERNAL (SASL_SSL, SCRAM-SHA-512) and MTLS (SSL, client certificate required) for clients; INTERNAL
 * (SASL_PLAINTEXT, PLAIN) between brokers and for the administrator, and CONTROLLER (SASL_PLAINTEXT, PLAIN). The
 * administrator's PLAIN password is in the broker's listener configuration because SCRAM users live in the cluster
 * metadata, which does not exist before the broker's first start.
 */
public final class SecureKafkaBroker implements AutoCloseable {
    public static final String ADMIN = "admin";
    private static final String ADMIN_PASSWORD = "admin-secret";
    private static final String STORE_PASSWORD = "test-store-secret";
    private static final ListenerName EXTERNAL = new ListenerName("EXTERNAL");
    private static final ListenerName MTLS = new ListenerName("MTLS");
    private static final ListenerName INTERNAL = new ListenerName("INTERNAL");

    private final KafkaClusterTestKit cluster;
    private final Path trustStore;
    private final TestCertificates.Authority authority;
    private final Path dir;

    private SecureKafkaBroker(KafkaClusterTestKit cluster, Path trustStore, TestCertificates.Authority authority, Path dir) {
        this.cluster = cluster;
        this.trustStore = trustStore;
        this.authority = authority;
        this.dir = dir;
    }

    /** Starts the broker with a certificate from {@code authority} (SAN localhost, 127.0.0.1); data under {@code baseDir}. */
    public static SecureKafkaBroker start(Path baseDir, TestCertificates.Authority authority) throws Exception {
        Files.createDirectories(baseDir);
        Path dir = Files.createTempDirectory(baseDir, "secure-kraft-");
        Path keyStore = authority.issue("CN=localhost,O=Driftwatch test broker").writeKeyStore(dir.resolve("broker.p12"),
                STORE_PASSWORD);
        Path trustStore = authority.writeTrustStore(dir.resolve("truststore.p12"), STORE_PASSWORD);
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBaseDirectory(dir.resolve("kraft"))
                // Kafka's test kit binds only PLAINTEXT or SASL_PLAINTEXT listeners itself: EXTERNAL and MTLS are added below.
                .setBrokerListenerName(INTERNAL)
                .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .build();
        String controller = nodes.controllerListenerName().value();
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                + "\" password=\"" + ADMIN_PASSWORD + "\" user_" + ADMIN + "=\"" + ADMIN_PASSWORD + "\";";
        Map<String, String> props = new TreeMap<>();
        props.put("listeners", "EXTERNAL://localhost:0,MTLS://localhost:0,INTERNAL://localhost:0," + controller
                + "://localhost:0");
        props.put("listener.security.protocol.map", "EXTERNAL:SASL_SSL,MTLS:SSL,INTERNAL:SASL_PLAINTEXT," + controller
                + ":SASL_PLAINTEXT");
        props.put("inter.broker.listener.name", "INTERNAL");
        // SCRAM for clients; PLAIN only where the broker talks to itself (no JAAS file, no JVM-wide login config).
        props.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        props.put("sasl.mechanism.controller.protocol", "PLAIN");
        for (String listener : List.of("internal", controller.toLowerCase(java.util.Locale.ROOT))) {
            props.put("listener.name." + listener + ".sasl.enabled.mechanisms", "PLAIN");
            props.put("listener.name." + listener + ".plain.sasl.jaas.config", plain);
        }
        props.put("listener.name.external.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put("ssl.keystore.location", keyStore.toString());
        props.put("ssl.keystore.password", STORE_PASSWORD);
        props.put("ssl.key.password", STORE_PASSWORD);
        props.put("ssl.keystore.type", "PKCS12");
        props.put("ssl.truststore.location", trustStore.toString());
        props.put("ssl.truststore.password", STORE_PASSWORD);
        props.put("ssl.truststore.type", "PKCS12");
        props.put("listener.name.mtls.ssl.client.auth", "required");
        // A certificate's CN is its principal: CN=driftwatch-notifier -> User:driftwatch-notifier.
        props.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)(,.*)?$/$1/,DEFAULT");
        props.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        props.put("allow.everyone.if.no.acl.found", "false");
        props.put("super.users", "User:" + ADMIN);
        props.putAll(io.driftwatch.embedded.KafkaBroker.singleNodeDefaults());
        props.put("transaction.state.log.num.partitions", "1");
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes).setDeleteOnClose(true);
        props.forEach(builder::setConfigProp);
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new SecureKafkaBroker(cluster, trustStore, authority, dir);
    }

    private BrokerServer broker() {
        return cluster.brokers().values().iterator().next();
    }

    private String address(ListenerName listener) {
        return "localhost:" + broker().boundPort(listener);
    }

    /** The SASL_SSL (SCRAM-SHA-512) listener. */
    public String saslSslBootstrap() {
        return address(EXTERNAL);
    }

    /** The SSL listener that requires a client certificate. */
    public String mtlsBootstrap() {
        return address(MTLS);
    }

    /** The CA's certificate in a PKCS12 truststore (password {@link #storePassword()}). */
    public Path trustStore() {
        return trustStore;
    }

    public String storePassword() {
        return STORE_PASSWORD;
    }

    /** Client settings of the super user (PLAIN over the internal listener): for creating users and topics only. */
    public Map<String, Object> superUserClient() {
        Map<String, Object> c = new TreeMap<>();
        c.put("bootstrap.servers", address(INTERNAL));
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "PLAIN");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + ADMIN
                + "\" password=\"" + ADMIN_PASSWORD + "\";");
        return c;
    }

    /** Creates (or replaces) a SCRAM-SHA-512 user through the Admin API, as {@code kafka-configs.sh --alter} would. */
    public void createScramUser(String user, String password) throws Exception {
        try (Admin admin = Admin.create(superUserClient())) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), password))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** What a client of user {@code user} sets: Kafka's own keys, SASL_SSL with SCRAM-SHA-512, trusting the test CA. */
    public Map<String, Object> scramClient(String user, String password) {
        Map<String, Object> c = new TreeMap<>();
        c.put("bootstrap.servers", saslSslBootstrap());
        c.put("security.protocol", "SASL_SSL");
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";");
        c.putAll(trustSettings());
        return c;
    }

    /**
     * What an mTLS client with a certificate for {@code commonName} (issued here by the test CA) sets: SSL with its
     * keystore. The broker maps the certificate to {@code User:<commonName>}.
     */
    public Map<String, Object> mtlsClient(String commonName) {
        // A single RDN: with more, the RFC 2253 form the broker matches lists them in reverse order of the certificate's.
        Path keyStore = authority.issue("CN=" + commonName)
                .writeKeyStore(dir.resolve(commonName + ".p12"), STORE_PASSWORD);
        Map<String, Object> c = new TreeMap<>();
        c.put("bootstrap.servers", mtlsBootstrap());
        c.put("security.protocol", "SSL");
        c.put("ssl.keystore.location", keyStore.toString());
        c.put("ssl.keystore.password", STORE_PASSWORD);
        c.put("ssl.key.password", STORE_PASSWORD);
        c.put("ssl.keystore.type", "PKCS12");
        c.putAll(trustSettings());
        return c;
    }

    private Map<String, Object> trustSettings() {
        return Map.of("ssl.truststore.location", trustStore.toString(), "ssl.truststore.password", STORE_PASSWORD,
                "ssl.truststore.type", "PKCS12");
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
