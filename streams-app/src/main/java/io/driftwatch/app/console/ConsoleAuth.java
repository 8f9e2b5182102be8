package io.driftwatch.app.console;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Who is asking (src/api.md, "Security"). Three modes, chosen by the settings:
 * <ul>
 * <li>tokens ({@code driftwatch.http.token.file}): every API request carries {@code Authorization: Bearer <token>};
 * the user is the token's;</li>
 * <li>an authenticating proxy ({@code driftwatch.http.auth.proxy.header}): the proxy names the user in that header
 * (the port must be reachable by the proxy only);</li>
 * <li>neither, on loopback only: reads are open, and a state change is made by {@code local:<name>} from the
 * {@code X-Driftwatch-User} header: loopback trusts the machine's users.</li>
 * </ul>
 * With both a token file and a proxy header, either authenticates.
 */
final class ConsoleAuth {
    static final String USER_HEADER = "X-Driftwatch-User";
    static final String DEFAULT_TOKEN_USER = "api";
    private static final Pattern LOCAL_NAME = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");
    private static final Pattern TOKEN_USER = Pattern.compile("[A-Za-z0-9._@+:-]{1,128}");
    private static final int MIN_TOKEN_LENGTH = 16;
    private static final int MAX_PROXY_USER_LENGTH = 256;

    /** Why a request was refused: 401 (no or a wrong credential) or 403 (refused whatever the credential). */
    static final class Refused extends RuntimeException {
        private final int status;

        Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    record Token(String user, byte[] digest) {
    }

    private final List<Token> tokens;
    private final String proxyHeader;

    private ConsoleAuth(List<Token> tokens, String proxyHeader) {
        this.tokens = tokens;
        this.proxyHeader = proxyHeader;
    }

    /**
     * The authentication the settings ask for; refuses (with a message naming the keys) to expose the API beyond
     * loopback without any.
     */
    static ConsoleAuth from(ConsoleSettings settings) {
        List<Token> tokens = settings.tokenFile() == null ? List.of() : readTokens(settings.tokenFile());
        if (tokens.isEmpty() && settings.proxyHeader() == null && !isLoopback(settings.host())) {
            throw new IllegalArgumentException("Configuration '" + ConsoleSettings.HOST + "' is " + settings.host()
                    + ", which is not loopback: the API would be open to the network. Set '" + ConsoleSettings.TOKEN_FILE
                    + "' (bearer tokens) or '" + ConsoleSettings.PROXY_HEADER + "' (an authenticating proxy in front), "
                    + "or listen on 127.0.0.1 (see src/api.md, \"Security\")");
        }
        return new ConsoleAuth(tokens, settings.proxyHeader());
    }

    /** True when no credential is configured: loopback, where reads are open. */
    boolean open() {
        return tokens.isEmpty() && proxyHeader == null;
    }

    /**
     * The user a request authenticates as, or null when it carries no credential (which the open loopback mode
     * allows for reads).
     *
     * @throws Refused when a credential is required and missing, or wrong
     */
    String authenticate(String authorization, String proxyUser, String localUser) {
        if (open()) {
            if (localUser == null || localUser.isBlank()) {
                return null;
            }
            if (!LOCAL_NAME.matcher(localUser).matches()) {
                throw new Refused(400, USER_HEADER + " must be a user name (letters, digits and . _ @ + -, "
                        + "at most 64)");
            }
            return "local:" + localUser;
        }
        if (!tokens.isEmpty() && authorization != null) {
            String presented = bearer(authorization);
            String user = presented == null ? null : userOf(presented);
            if (user == null) {
                throw new Refused(401, "the bearer token is not valid");
            }
            return user;
        }
        if (proxyHeader != null && proxyUser != null && !proxyUser.isBlank()) {
            if (proxyUser.length() > MAX_PROXY_USER_LENGTH || proxyUser.chars().anyMatch(Character::isISOControl)) {
                throw new Refused(400, proxyHeader + " does not hold a user name");
            }
            return proxyUser.trim();
        }
        throw new Refused(401, tokens.isEmpty() ? "authentication required: the proxy in front names the user in "
                + proxyHeader : "authentication required: send Authorization: Bearer <token>");
    }

    String proxyHeader() {
        return proxyHeader;
    }

    private static String bearer(String authorization) {
        String value = authorization.trim();
        if (value.length() < 7 || !value.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return null;
        }
        return value.substring(7).trim();
    }

    /** Looks at every token whatever matches, comparing digests in constant time. */
    private String userOf(String presented) {
        byte[] digest = sha256(presented);
        String user = null;
        for (Token token : tokens) {
            if (MessageDigest.isEqual(token.digest(), digest) && user == null) {
                user = token.user();
            }
        }
        return user;
    }

    /** One token (user {@code api}), or lines {@code user token}; blank lines and {@code #} comments are skipped. */
    static List<Token> readTokens(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("Configuration '" + ConsoleSettings.TOKEN_FILE + "': " + file
                    + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("Configuration '" + ConsoleSettings.TOKEN_FILE + "': " + file
                    + " cannot be read: " + e.getMessage());
        }
        List<String[]> entries = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            entries.add(line.split("\\s+"));
            numbers.add(i + 1);
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("Configuration '" + ConsoleSettings.TOKEN_FILE + "': " + file
                    + " holds no token");
        }
        List<Token> tokens = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String[] fields = entries.get(i);
            String where = "Configuration '" + ConsoleSettings.TOKEN_FILE + "': " + file + " line " + numbers.get(i);
            String user;
            String token;
            if (fields.length == 1 && entries.size() == 1) {
                user = DEFAULT_TOKEN_USER;
                token = fields[0];
            } else if (fields.length == 2) {
                user = fields[0];
                token = fields[1];
            } else {
                // Never echo the line: it may hold a token.
                throw new IllegalArgumentException(where + " must be 'user token' (or the file one token alone)");
            }
            if (!TOKEN_USER.matcher(user).matches()) {
                throw new IllegalArgumentException(where + ": the user name may hold letters, digits and . _ @ + : -");
            }
            if (token.length() < MIN_TOKEN_LENGTH) {
                throw new IllegalArgumentException(where + ": tokens must be at least " + MIN_TOKEN_LENGTH
                        + " characters (e.g. openssl rand -hex 32)");
            }
            tokens.add(new Token(user, sha256(token)));
        }
        return List.copyOf(tokens);
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Configuration '" + ConsoleSettings.HOST + "': unknown host " + host);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
