package io.driftwatch.schemas.sign;

import io.driftwatch.model.ResponseCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signatures of response commands, so that a responder can tell a command from Driftwatch
 * from a forged one. The streams app signs with a shared secret; every responder holds the same secret
 * (or several, during a key rotation) and refuses what does not verify.
 *
 * <p>The signature covers the canonical form of every field but {@code signature} itself: each field in
 * a fixed order as {@code <length>:<value>} (a missing value as {@code -}), the parameters sorted by
 * key. Its text is {@code hmac-sha256:<key id>:<base64url MAC>}, where the key id is the first 8 hex
 * digits of the SHA-256 of the secret: it names the key without revealing it.
 */
public final class CommandSignatures {
    public static final String SCHEME = "hmac-sha256";
    private static final int MIN_KEY_BYTES = 16;

    private final Map<String, byte[]> keys;
    private final String signingKeyId;

    private CommandSignatures(Map<String, byte[]> keys, String signingKeyId) {
        this.keys = keys;
        this.signingKeyId = signingKeyId;
    }

    /** Signs with the first key and verifies with any of them (the others are older keys still accepted). */
    public static CommandSignatures of(List<byte[]> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("no signing key");
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (byte[] secret : secrets) {
            if (secret.length < MIN_KEY_BYTES) {
                throw new IllegalArgumentException("a signing key must have at least " + MIN_KEY_BYTES
                        + " bytes (this one has " + secret.length + "); e.g. head -c 32 /dev/urandom | base64 > key");
            }
            keys.put(keyId(secret), secret.clone());
        }
        return new CommandSignatures(keys, keys.keySet().iterator().next());
    }

    /** Reads a key file: its content, trimmed of surrounding white space, is the secret. */
    public static byte[] readKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            throw new IOException("signing key file " + file + " is empty");
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The first 8 hex digits of the secret's SHA-256. */
    public static String keyId(byte[] secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret), 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signature of {@code command} (its own signature field is ignored). */
    public String sign(ResponseCommand command) {
        return SCHEME + ":" + signingKeyId + ":" + mac(keys.get(signingKeyId), canonical(command));
    }

    /** Sets the command's signature and returns it. */
    public ResponseCommand signed(ResponseCommand command) {
        command.setSignature(sign(command));
        return command;
    }

    /** Why the command's signature does not verify, or null when it does. */
    public String problem(ResponseCommand command) {
        String signature = command.getSignature();
        if (signature == null || signature.isEmpty()) {
            return "unsigned";
        }
        String[] parts = signature.split(":", 3);
        if (parts.length != 3 || !SCHEME.equals(parts[0])) {
            return "not an " + SCHEME + " signature";
        }
        byte[] key = keys.get(parts[1]);
        if (key == null) {
            return "signed with an unknown key " + parts[1];
        }
        byte[] expected = mac(key, canonical(command)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, parts[2].getBytes(StandardCharsets.US_ASCII)) ? null : "signature does not match";
    }

    /** Every field but the signature, in a fixed order, each as length:value. */
    public static String canonical(ResponseCommand c) {
        List<String> fields = new ArrayList<>();
        fields.add("v1");
        fields.add(c.getCommandId());
        fields.add(c.getAlertId());
        fields.add(c.getAction() == null ? null : c.getAction().name());
        fields.add(c.getNode());
        fields.add(c.getContainerId());
        fields.add(c.getPodName());
        fields.add(c.getNamespace());
        fields.add(Long.toString(c.getIssuedAt()));
        fields.add(c.getExpiresAt() == null ? null : Long.toString(c.getExpiresAt()));
        Map<String, String> params = new TreeMap<>(c.getParameters() == null ? Map.of() : c.getParameters());
        fields.add(Integer.toString(params.size()));
        params.forEach((k, v) -> {
            fields.add(k);
            fields.add(v);
        });
        StringBuilder s = new StringBuilder();
        for (String f : fields) {
            if (f == null) {
                s.append('-');
            } else {
                s.append(f.length()).append(':').append(f);
            }
            s.append('\n');
        }
        return s.toString();
    }

    private static String mac(byte[] key, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
