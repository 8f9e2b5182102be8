package io.driftwatch.scanner.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.scanner.testing.ExternalTools;
import io.driftwatch.scanner.testing.LocalRegistry;
import io.driftwatch.scanner.testing.RegistryAuth;
import io.driftwatch.scanner.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker:// authentication against real registries (Debian's docker-registry):
 *
 * <ul>
 *   <li>Basic: a registry with {@code auth: htpasswd:} (bcrypt made with BouncyCastle) behind TLS with a self-signed
 *       certificate — so also the tlsVerify=false path over https.
 *   <li>Bearer: a registry with {@code auth: token:} trusting a certificate made here; the token service is a small
 *       JDK HttpServer in this test ({@link RegistryAuth.TokenService}) that issues RS256 JWTs signed with that
 *       certificate's key, the way Docker Hub's auth.docker.io or a Harbor does. The registry checks those tokens
 *       itself: the challenge, the token request with Basic credentials and scope, and the retry are all real.
 * </ul>
 */
class RegistryAuthIT {
    private static final String USER = "scanner";
    private static final String PASSWORD = "s3cret-pass";

    @TempDir
    static Path tmp;
    static LocalRegistry basic;
    static LocalRegistry bearer;
    static RegistryAuth.TokenService tokens;
    static TestImages.Written image;
    static ImageScan fromLayout;

    @BeforeAll
    static void start() throws Exception {
        ExternalTools.require("skopeo");
        image = TestImages.layout(tmp.resolve("layout")).tag("1")
                .layer(l -> l.file("/etc/motd", "hello", 0644).setuid("/bin/su", "su".getBytes())).write();
        fromLayout = ImageReaders.standard().read(image.reference(), ReadOptions.defaults(), null);

        RegistryAuth.SelfSigned tls = RegistryAuth.selfSigned(tmp.resolve("tls"), "registry");
        Path htpasswd = tmp.resolve("htpasswd");
        Files.writeString(htpasswd, RegistryAuth.htpasswdLine(USER, PASSWORD));
        basic = LocalRegistry.start(tmp.resolve("basic"),
                "auth:\n  htpasswd:\n    realm: driftwatch-test\n    path: " + htpasswd + "\n", tls.certFile(), tls.keyFile());

        RegistryAuth.SelfSigned signer = RegistryAuth.selfSigned(tmp.resolve("token"), "token-signer");
        tokens = new RegistryAuth.TokenService(signer, USER, PASSWORD);
        bearer = LocalRegistry.start(tmp.resolve("bearer"),
                "auth:\n  token:\n    realm: " + tokens.realm() + "\n    service: driftwatch-test-registry\n"
                        + "    issuer: " + RegistryAuth.TokenService.ISSUER + "\n    rootcertbundle: " + signer.certFile() + "\n",
                null, null);

        for (LocalRegistry r : List.of(basic, bearer)) {
            ExternalTools.run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", USER + ":" + PASSWORD,
                    image.reference(), "docker://" + r.host() + "/team/app:1");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {basic, bearer, tokens}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private static ImageScan read(LocalRegistry r, String credentials) throws ImageReadException {
        return ImageReaders.standard().read("docker://" + r.host() + "/team/app:1",
                new ReadOptions(ReadOptions.DEFAULT_CONTENT_LIMIT, false, credentials, ScanProgress.NONE), null);
    }

    @Test
    void basicAuthOverSelfSignedTls() throws Exception {
        ImageScan scan = read(basic, USER + ":" + PASSWORD);
        assertEquals(fromLayout.files(), scan.files());
        assertEquals(fromLayout.digest(), scan.digest());

        ImageReadException anonymous = assertThrows(ImageReadException.class, () -> read(basic, null));
        assertTrue(anonymous.getMessage().contains("the registry needs credentials (Basic auth, 401"), anonymous.getMessage());
        ImageReadException wrong = assertThrows(ImageReadException.class, () -> read(basic, USER + ":wrong"));
        assertTrue(wrong.getMessage().contains("the registry refused the credentials (401"), wrong.getMessage());
    }

    @Test
    void withTlsVerificationASelfSignedCertificateIsRefused() {
        ImageReadException e = assertThrows(ImageReadException.class,
                () -> ImageReaders.standard().read("docker://" + basic.host() + "/team/app:1",
                        new ReadOptions(ReadOptions.DEFAULT_CONTENT_LIMIT, true, USER + ":" + PASSWORD, ScanProgress.NONE), null));
        assertTrue(e.getMessage().startsWith("cannot reach registry " + basic.host() + " over https: SSLHandshakeException"),
                e.getMessage());
    }

    @Test
    void bearerTokensFromTheRealmTheRegistryNames() throws Exception {
        tokens.requests.clear();
        ImageScan scan = read(bearer, USER + ":" + PASSWORD);
        assertEquals(fromLayout.files(), scan.files());
        assertEquals(fromLayout.digest(), scan.digest());
        assertEquals("basic=" + USER + " scope=repository:team/app:pull service=driftwatch-test-registry",
                tokens.requests.get(0));

        ImageReadException anonymous = assertThrows(ImageReadException.class, () -> read(bearer, null));
        assertTrue(anonymous.getMessage().contains("the token service " + tokens.realm() + " refused anonymous access (401)"),
                anonymous.getMessage());
        ImageReadException wrong = assertThrows(ImageReadException.class, () -> read(bearer, USER + ":nope"));
        assertTrue(wrong.getMessage().contains("refused the credentials (401)"), wrong.getMessage());
    }
}
