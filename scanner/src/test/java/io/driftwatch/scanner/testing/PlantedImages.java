package io.driftwatch.scanner.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Images for the scanner's checks, built with {@link TestImages}: {@link #violations} plants one case for every check
 * of the built-in policy (and a secret added in layer 1 and deleted in layer 2); {@link #clean} is an ordinary small
 * image on which the built-in policy finds nothing. The secrets are made up when the test runs (the private key is
 * generated), so none is written in the source.
 */
public final class PlantedImages {
    private static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};

    private PlantedImages() {
    }

    /**
     * What {@link #violations} wrote.
     *
     * @param image   the layout
     * @param secrets every planted secret, by what it is ("aws-secret-access-key" ...): no report may print one whole
     */
    public record Planted(TestImages.Written image, Map<String, String> secrets) {

        public String layerDigest(int index) {
            return image.layerDigests().get(index);
        }
    }

    /** A made-up token: {@code prefix} then {@code length} characters of {@code alphabet}, from a seed. */
    static String token(String prefix, String alphabet, int length, int seed) {
        StringBuilder s = new StringBuilder(prefix);
        long x = seed * 2654435761L + 12345;
        for (int i = 0; i < length; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            s.append(alphabet.charAt((int) Math.floorMod(x >>> 33, (long) alphabet.length())));
        }
        return s.toString();
    }

    private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String BASE64 = ALNUM + "/+";

    /** A freshly generated RSA private key, PEM (PKCS#8). */
    public static String privateKeyPem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(der) + "\n-----END PRIVATE KEY-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JWT: base64url of {"alg":"HS256","typ":"JWT"}, of a payload, and of a made-up signature. */
    static String jwt() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString("{\"sub\":\"deploy-bot\",\"iat\":1767225600}".getBytes(StandardCharsets.UTF_8)) + "."
                + token("", ALNUM, 43, 7);
    }

    /**
     * Three layers. Layer 0 is a small system with one planted case per check of the final filesystem and of names;
     * layer 1 adds tokens and an AWS key pair in /app/credentials.txt, the others in /app/tokens.txt; layer 2 deletes
     * /app/credentials.txt (its secrets still ship in layer 1's blob) and layer 0's /root/.netrc. Layer 0 also holds an
     * entry named ../../etc/cron.d/evil.
     */
    public static Planted violations(Path dir) {
        Map<String, String> secrets = new LinkedHashMap<>();
        String awsId = token("AKIA", UPPER, 16, 1);
        String awsSecret = token("", BASE64, 40, 2);
        String github = token("gh" + "p_", ALNUM, 36, 3);
        String slack = token("xo" + "xb-", "0123456789", 12, 4) + "-" + token("", "0123456789", 13, 5) + "-"
                + token("", ALNUM, 24, 6);
        String google = token("AI" + "za", ALNUM + "-_", 35, 8);
        String jwt = jwt();
        String password = "Tr0ub4dor&3-" + token("", ALNUM, 8, 9);
        String key = privateKeyPem();
        secrets.put("aws-access-key-id", awsId);
        secrets.put("aws-secret-access-key", awsSecret);
        secrets.put("github-token", github);
        secrets.put("slack-token", slack);
        secrets.put("google-api-key", google);
        secrets.put("jwt", jwt);
        secrets.put("password-assignment", password);
        String keyBody = key.substring(key.indexOf('\n') + 1, key.indexOf("-----END")).replace("\n", "");
        secrets.put("private-key", keyBody);
        TestImages.Written image = TestImages.layout(dir).tag("planted")
                .layer(l -> l.createdBy("base system")
                        .dir("/etc", 0755).file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644)
                        .file("/etc/group", "root:x:0:\n", 0644)
                        .file("/etc/shadow", "root:*:19000:0:99999:7:::\n", 0640)
                        .file("/etc/shadow-", "root:$6$salt$hash:19000:0:99999:7:::\n", 0600)
                        .dir("/etc/ssh", 0755).file("/etc/ssh/ssh_host_ed25519_key", "not a real key\n", 0600)
                        .owner(1000, 1000).file("/etc/sudoers", "app ALL=(ALL) NOPASSWD: ALL\n", 0440).owner(0, 0)
                        .file("/etc/cleanup.sh", "#!/bin/sh\nrm -rf /tmp/*\n", 0755)
                        .dir("/etc/init.d", 0755).file("/etc/init.d/app", "#!/bin/sh\n", 0755)
                        .file("/etc/nsswitch.conf", "passwd:         files\ngroup:          files\n", 0644)
                        .dir("/usr", 0755).dir("/usr/bin", 0755)
                        .setuid("/usr/bin/passwd", ELF).setuid("/usr/bin/backdoor", ELF)
                        .dir("/tmp", 01777).dir("/data", 0777)
                        .dir("/app", 0755).file("/app/config.json", "{\"level\": \"info\"}\n", 0666)
                        .file("/app/.env", "APP_ENV=production\nDB_PASSWORD=" + password + "\n", 0600)
                        .dir("/app/.git", 0755).file("/app/.git/HEAD", "ref: refs/heads/main\n", 0644)
                        .file("/app/.git/config", "[core]\n", 0644)
                        .dir("/app/certs", 0755).file("/app/certs/server.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0644)
                        .dir("/root", 0700).file("/root/.bash_history", "ls\n", 0600).file("/root/.netrc", "machine x\n", 0600)
                        .dir("/root/.ssh", 0700).file("/root/.ssh/id_rsa", key, 0600)
                        .raw("../../etc/cron.d/evil", org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL, 0644,
                                "* * * * * root sh -c id\n".getBytes(StandardCharsets.UTF_8), null))
                .layer(l -> l.createdBy("COPY credentials.txt tokens.txt /app/")
                        .file("/app/credentials.txt", "[default]\naws_access_key_id = " + awsId + "\naws_secret_access_key = "
                                + awsSecret + "\n", 0600)
                        .file("/app/tokens.txt", "github=" + github + "\nslack=" + slack + "\nmaps=" + google + "\nsession="
                                + jwt + "\n", 0644))
                .layer(l -> l.createdBy("RUN rm /app/credentials.txt /root/.netrc").whiteout("/app/credentials.txt")
                        .whiteout("/root/.netrc"))
                .write();
        return new Planted(image, secrets);
    }

    /** An ordinary small image: nothing for the built-in policy to find. */
    public static TestImages.Written clean(Path dir) {
        return TestImages.layout(dir).tag("clean")
                .layer(l -> l.createdBy("base system")
                        .dir("/bin", 0755).file("/bin/busybox", ELF, 0755).symlink("/bin/sh", "busybox")
                        .dir("/etc", 0755).file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n", 0644)
                        .file("/etc/group", "root:x:0:\napp:x:1000:\n", 0644)
                        .owner(0, 42).file("/etc/shadow", "root:*:19000:0:99999:7:::\n", 0640).owner(0, 0)
                        .file("/etc/nsswitch.conf", "passwd:         files\ngroup:          files\nshadow:         files\n", 0644)
                        .file("/etc/os-release", "ID=test\n", 0644)
                        .dir("/etc/init.d", 0755).file("/etc/init.d/rcS", "#!/bin/sh\n", 0755)
                        .dir("/etc/ssl", 0755).dir("/etc/ssl/certs", 0755)
                        .file("/etc/ssl/openssl.cnf", "[ cmp ]\nsecret = pass:insta # can be used for both client and server\n", 0644)
                        .file("/etc/ssl/certs/ca-certificates.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 0644)
                        .symlink("/etc/ssl/certs/ca.pem", "ca-certificates.crt")
                        .dir("/usr", 0755).dir("/usr/bin", 0755).setuid("/usr/bin/passwd", ELF)
                        .dir("/usr/share", 0755).dir("/usr/share/doc", 0755)
                        .file("/usr/share/doc/README.example", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", 0644)
                        .dir("/tmp", 01777).dir("/var", 0755).dir("/var/tmp", 01777))
                .layer(l -> l.createdBy("COPY app /app")
                        .dir("/app", 0755).owner(1000, 1000)
                        .file("/app/app.conf", "password = ${DB_PASSWORD}\nuser = app\n# password = example\nsecret = # unset\n"
                                + "challengePassword = A challenge password\n", 0644)
                        .file("/app/settings.yaml", "db:\n  password: \"{{ .Values.db.password }}\"\n  host: db\n", 0644)
                        .file("/app/docs.txt", "example key id AKIAIOSFODNN7EXAMPLE\n", 0644)
                        .file("/app/server", ELF, 0755))
                .write();
    }
}
