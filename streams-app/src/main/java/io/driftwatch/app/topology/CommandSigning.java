package io.driftwatch.app.topology;

import io.driftwatch.app.config.DriftwatchConfig;
import io.driftwatch.model.ResponseCommand;
import io.driftwatch.schemas.sign.CommandSignatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Signs every response command on its way to the response-commands topic (HMAC-SHA256, see
 * {@link CommandSignatures}), so responders can refuse forged ones. The secret comes from
 * {@code driftwatch.response.signing.key.file} (a file holding it) or {@code
 * driftwatch.response.signing.key} (the secret itself, e.g. from DRIFTWATCH_RESPONSE_SIGNING_KEY);
 * without either, commands go out unsigned and every responder refuses them.
 */
public final class CommandSigning {
    public static final String KEY_FILE = "driftwatch.response.signing.key.file";
    public static final String KEY = "driftwatch.response.signing.key";

    private CommandSigning() {
    }

    /** The configured signer, or null when no key is configured. */
    public static CommandSignatures fromConfig(DriftwatchConfig config) {
        List<byte[]> keys = new ArrayList<>();
        String file = config.get(KEY_FILE);
        if (file != null && !file.isBlank()) {
            try {
                keys.add(CommandSignatures.readKey(Path.of(file)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the response signing key (" + KEY_FILE + "=" + file + "): "
                        + e.getMessage(), e);
            }
        }
        String key = config.get(KEY);
        if (key != null && !key.isBlank()) {
            keys.add(key.strip().getBytes(StandardCharsets.UTF_8));
        }
        return keys.isEmpty() ? null : CommandSignatures.of(keys);
    }

    /** A serializer that signs the command, then hands it to {@code inner}; passes through when unsigned. */
    public static Serializer<ResponseCommand> signing(CommandSignatures signatures, Serializer<ResponseCommand> inner) {
        if (signatures == null) {
            return inner;
        }
        return new Serializer<>() {
            @Override
            public byte[] serialize(String topic, ResponseCommand command) {
                return inner.serialize(topic, command == null ? null : signatures.signed(command));
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }
}
