package io.driftwatch.testkit;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * TLS material made in the test, never checked in: a certificate authority, and server and client certificates it
 * signs, written as PKCS12 stores (what {@code ssl.keystore.*} / {@code ssl.truststore.*} and the JDK read). EC P-256
 * keys, valid for a day. Built with BouncyCastle's certificate builder.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private TestCertificates() {
    }

    /** A new self-signed certificate authority named {@code dn}, e.g. {@code CN=Driftwatch Test CA}. */
    public static Authority authority(String dn) {
        try {
            KeyPair keys = keyPair();
            X500Name name = new X500Name(dn);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(Duration.ofDays(1))), name, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return new Authority(keys, sign(builder, keys));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("could not make a test CA: " + e, e);
        }
    }

    /** A certificate authority: it issues identities and writes the truststore that trusts them. */
    public static final class Authority {
        private final KeyPair keys;
        private final X509Certificate certificate;

        private Authority(KeyPair keys, X509Certificate certificate) {
            this.keys = keys;
            this.certificate = certificate;
        }

        public X509Certificate certificate() {
            return certificate;
        }

        /**
         * A certificate for {@code dn} (e.g. {@code CN=localhost,O=Driftwatch}) usable by servers and clients, with the
         * subject alternative names {@code localhost} and {@code 127.0.0.1}.
         */
        public Identity issue(String dn) {
            try {
                KeyPair leaf = keyPair();
                Instant now = Instant.now();
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                        Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), new X500Name(dn),
                        leaf.getPublic());
                JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        ext.createAuthorityKeyIdentifier(certificate));
                return new Identity(leaf, new X509Certificate[] {sign(builder, keys), certificate});
            } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
                throw new IllegalStateException("could not issue a test certificate for " + dn + ": " + e, e);
            }
        }

        /** Writes a PKCS12 truststore holding this CA's certificate. */
        public Path writeTrustStore(Path file, String password) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setCertificateEntry("ca", certificate);
                return write(store, file, password);
            } catch (GeneralSecurityException | java.io.IOException e) {
                throw new IllegalStateException("could not write truststore " + file + ": " + e, e);
            }
        }
    }

    /** A key pair and its certificate chain (leaf first, then the CA). */
    public static final class Identity {
        private final KeyPair keys;
        private final X509Certificate[] chain;

        private Identity(KeyPair keys, X509Certificate[] chain) {
            this.keys = keys;
            this.chain = chain;
        }

        public X509Certificate certificate() {
            return chain[0];
        }

        /** Writes a PKCS12 keystore with the key (alias {@code key}, protected by the store's password) and chain. */
        public Path writeKeyStore(Path file, String password) {
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("key", keys.getPrivate(), password.toCharArray(), (Certificate[]) chain);
                return write(store, file, password);
            } catch (GeneralSecurityException | java.io.IOException e) {
                throw new IllegalStateException("could not write keystore " + file + ": " + e, e);
            }
        }
    }

    private static Path write(KeyStore store, Path file, String password) throws GeneralSecurityException, java.io.IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, password.toCharArray());
        }
        return file;
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }
}
