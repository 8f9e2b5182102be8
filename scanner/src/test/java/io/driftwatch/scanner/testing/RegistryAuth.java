package io.driftwatch.scanner.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Authentication material for a {@link LocalRegistry}, made in the test: a self-signed certificate (for TLS, or to
 * sign tokens), an htpasswd line (bcrypt, as the registry requires), and a token service that issues the JWTs the
 * distribution registry's {@code auth: token:} checks.
 */
public final class RegistryAuth {
    private RegistryAuth() {
    }

    /** An RSA key and a self-signed certificate for 127.0.0.1 and localhost, written as PEM files under {@code dir}. */
    public record SelfSigned(KeyPair keys, X509Certificate certificate, Path certFile, Path keyFile) {
    }

    public static SelfSigned selfSigned(Path dir, String name) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(86_400)), subject, keys.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        Files.createDirectories(dir);
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        return new SelfSigned(keys, cert, certFile, keyFile);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** "user:$2y$..." for an htpasswd file. */
    public static String htpasswdLine(String user, String password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return user + ":" + OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, 6) + "\n";
    }

    /**
     * A token service on a free loopback port (JDK HttpServer): GET /token?service=..&scope=.. with Basic
     * credentials {@code user:password} answers {"token": JWT} granting the scopes asked for; wrong or missing
     * credentials get 401. The JWT is RS256, signed by {@code signer}, whose certificate travels in the "x5c" header
     * (the registry checks it against its rootcertbundle).
     */
    public static final class TokenService implements AutoCloseable {
        public static final String ISSUER = "driftwatch-test-issuer";
        private final HttpServer server;
        private final SelfSigned signer;
        private final String user;
        private final String password;
        /** Each request: "basic=USER|anonymous scope=... service=...". */
        public final List<String> requests = Collections.synchronizedList(new ArrayList<>());

        public TokenService(SelfSigned signer, String user, String password) throws IOException {
            this.signer = signer;
            this.user = user;
            this.password = password;
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/token", exchange -> {
                String query = exchange.getRequestURI().getRawQuery();
                String service = null;
                List<String> scopes = new ArrayList<>();
                for (String kv : query == null ? new String[0] : query.split("&")) {
                    String[] p = kv.split("=", 2);
                    String v = p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "";
                    if (p[0].equals("scope")) {
                        scopes.add(v);
                    } else if (p[0].equals("service")) {
                        service = v;
                    }
                }
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                String who = "anonymous";
                if (auth != null && auth.startsWith("Basic ")) {
                    who = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
                }
                requests.add("basic=" + (who.equals("anonymous") ? who : who.split(":", 2)[0]) + " scope="
                        + String.join(" ", scopes) + " service=" + service);
                byte[] body;
                int status;
                if (!who.equals(user + ":" + password)) {
                    status = 401;
                    body = "{\"details\":\"credentials required\"}".getBytes(StandardCharsets.UTF_8);
                } else {
                    status = 200;
                    body = ("{\"token\":\"" + jwt(service, scopes) + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8);
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        public String realm() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
        }

        private String jwt(String service, List<String> scopes) {
            try {
                ObjectMapper json = new ObjectMapper();
                ObjectNode header = json.createObjectNode().put("alg", "RS256").put("typ", "JWT");
                header.putArray("x5c").add(Base64.getEncoder().encodeToString(signer.certificate().getEncoded()));
                long now = Instant.now().getEpochSecond();
                ObjectNode claims = json.createObjectNode().put("iss", ISSUER).put("sub", user).put("aud", service)
                        .put("exp", now + 300).put("nbf", now - 60).put("iat", now).put("jti", UUID.randomUUID().toString());
                var access = claims.putArray("access");
                for (String scope : scopes) {
                    String[] p = scope.split(":"); // repository:NAME:pull,push
                    if (p.length == 3) {
                        var a = access.addObject().put("type", p[0]).put("name", p[1]);
                        var actions = a.putArray("actions");
                        for (String action : p[2].split(",")) {
                            actions.add(action);
                        }
                    }
                }
                Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
                String signingInput = b64.encodeToString(json.writeValueAsBytes(header)) + "."
                        + b64.encodeToString(json.writeValueAsBytes(claims));
                Signature rs256 = Signature.getInstance("SHA256withRSA");
                rs256.initSign(signer.keys().getPrivate());
                rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
                return signingInput + "." + b64.encodeToString(rs256.sign());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
