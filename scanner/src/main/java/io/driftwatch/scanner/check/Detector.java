package io.driftwatch.scanner.check;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built-in secret detectors, named in policies as {@code detector: NAME}. */
public enum Detector implements SecretMatcher {
    /** PEM private key blocks (PKCS#1, PKCS#8, encrypted PKCS#8, EC, DSA, OpenSSH, PGP). */
    PRIVATE_KEY("private-key", "private key",
            "-----BEGIN ((?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?)-----[ \\t]*\\r?\\n"
                    + "([\\s\\S]{32,65536}?)-----END \\1-----",
            2, "PRIVATE KEY"),
    /** AWS access key ids of long-term (AKIA) and temporary (ASIA) credentials. */
    AWS_ACCESS_KEY_ID("aws-access-key-id", "AWS access key id",
            "(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])", 1, "AKIA", "ASIA"),
    /** AWS secret access keys, named as the AWS tools write them (credentials files, environment, JSON). */
    AWS_SECRET_ACCESS_KEY("aws-secret-access-key", "AWS secret access key",
            "(?i)(?:aws_?secret_?access_?key|secret_?access_?key|aws_?secret_?key)[\"']?\\s*[:=]\\s*[\"']?"
                    + "(?-i)([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
            1, "secret"),
    /** GitHub personal access, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained tokens. */
    GITHUB_TOKEN("github-token", "GitHub token",
            "(?<![A-Za-z0-9_])((?:gh[pousr]_[A-Za-z0-9]{36,251})|(?:github_pat_[A-Za-z0-9_]{40,240}))(?![A-Za-z0-9_])",
            1, "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
    /** Slack bot, user, app-level, refresh and legacy tokens. */
    SLACK_TOKEN("slack-token", "Slack token",
            "(?<![A-Za-z0-9-])(xox[baprs]-[A-Za-z0-9-]{10,250})(?![A-Za-z0-9-])", 1, "xox"),
    /** Google API keys. */
    GOOGLE_API_KEY("google-api-key", "Google API key",
            "(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", 1, "AIza"),
    /** JSON Web Tokens (signed; the header must decode to JSON naming an "alg"). */
    JWT("jwt", "JSON Web Token",
            "(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,4096}\\.eyJ[A-Za-z0-9_-]{8,16384}\\.[A-Za-z0-9_-]{16,4096})(?![A-Za-z0-9_.-])",
            1, "eyJ"),
    /**
     * {@code password = ...}, {@code passwd: ...}, {@code DB_PASSWORD=...}, {@code "secret": "..."}: a key ending with
     * password, passwd, passphrase, secret or _pwd, given a literal value (not ${VAR}, $VAR, {{ template }},
     * %(name)s, &lt;placeholder&gt;, ****, empty, null, true or false, nor unquoted words with spaces between them, which
     * are prose). Comment lines (#, ;, //) are skipped. Meant for configuration files: the default policy limits it to
     * them.
     */
    PASSWORD_ASSIGNMENT("password-assignment", "password in configuration", null, 0,
            "pass", "secret", "pwd", "PASS", "SECRET", "PWD", "Pass", "Secret", "Pwd");

    private static final Pattern ASSIGNMENT = Pattern.compile(
            "^[ \\t]*(?:export[ \\t]+)?[\"']?([A-Za-z0-9_.\\-]*?(?:password|passwd|passphrase|secret|[_.\\-]pwd))[\"']?"
                    + "[ \\t]*[:=][ \\t]*(.*)$",
            Pattern.CASE_INSENSITIVE | Pattern.MULTILINE);
    private static final Set<String> NOT_SECRETS = Set.of("null", "none", "nil", "true", "false", "yes", "no", "~",
            "undefined");

    private final String policyName;
    private final String label;
    private final Pattern pattern;
    private final int group;
    private final String[] keywords;

    Detector(String policyName, String label, String regex, int group, String... keywords) {
        this.policyName = policyName;
        this.label = label;
        this.pattern = regex == null ? null : Pattern.compile(regex);
        this.group = group;
        this.keywords = keywords;
    }

    /** The name policies use: "private-key". */
    public String policyName() {
        return policyName;
    }

    public String label() {
        return label;
    }

    public static Detector byName(String name) {
        for (Detector d : values()) {
            if (d.policyName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Detector d : values()) {
            names.add(d.policyName);
        }
        return names;
    }

    @Override
    public boolean mayMatch(String text) {
        if (this == PASSWORD_ASSIGNMENT) {
            return text.indexOf('=') >= 0 || text.indexOf(':') >= 0;
        }
        for (String keyword : keywords) {
            if (this == AWS_SECRET_ACCESS_KEY ? containsIgnoreCase(text, keyword) : text.contains(keyword)) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern SECRET_WORD = Pattern.compile("secret", Pattern.CASE_INSENSITIVE);

    private static boolean containsIgnoreCase(String text, String word) {
        return SECRET_WORD.matcher(text).find();
    }

    @Override
    public List<Match> find(String text, int limit) {
        if (this == PASSWORD_ASSIGNMENT) {
            return assignments(text, limit);
        }
        if (this == PRIVATE_KEY) {
            return privateKeys(text, limit);
        }
        List<Match> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (found.size() < limit && m.find()) {
            String secret = m.group(group);
            if (this == JWT && !jwtHeader(secret)) {
                continue;
            }
            found.add(new Match(m.start(group), secret, label, null));
        }
        return found;
    }

    /** BEGIN lines tried in one file at most: each may look 64 KiB ahead for its END line. */
    static final int MAX_KEY_HEADERS = 1000;

    /**
     * Private key blocks, tried only where a "-----BEGIN " is, each within 64 KiB of it and at most
     * {@link #MAX_KEY_HEADERS} of them: a file of headers without END lines costs no more than that.
     */
    private List<Match> privateKeys(String text, int limit) {
        List<Match> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        int tried = 0;
        for (int at = text.indexOf("-----BEGIN "); at >= 0 && found.size() < limit && tried < MAX_KEY_HEADERS;
                at = text.indexOf("-----BEGIN ", at + 1)) {
            tried++;
            m.region(at, Math.min(text.length(), at + 66_000));
            if (m.lookingAt()) {
                String secret = m.group(2).replaceAll("\\s+", "");
                found.add(new Match(m.start(2), secret, label, "-----BEGIN " + m.group(1) + "-----"));
                at = m.end() - 1;
            }
        }
        return found;
    }

    /** The first part of a JWT decodes to a JSON object with an "alg". */
    private static boolean jwtHeader(String token) {
        try {
            String header = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
                    StandardCharsets.UTF_8);
            return header.startsWith("{") && header.contains("\"alg\"");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static List<Match> assignments(String text, int limit) {
        List<Match> found = new ArrayList<>();
        Matcher m = ASSIGNMENT.matcher(text);
        while (found.size() < limit && m.find()) {
            String key = m.group(1);
            String value = value(m.group(2));
            if (value == null) {
                continue;
            }
            int at = m.start(2) + Math.max(0, m.group(2).indexOf(value));
            found.add(new Match(at, value, "password in configuration (" + printable(key) + ")", null));
        }
        return found;
    }

    /** The literal value of an assignment, or null when it is a placeholder, a reference or empty. */
    static String value(String raw) {
        String v = raw.strip();
        if (v.endsWith(",")) {
            v = v.substring(0, v.length() - 1).strip(); // JSON
        }
        if (v.length() >= 2 && (v.charAt(0) == '"' || v.charAt(0) == '\'')) {
            int close = v.indexOf(v.charAt(0), 1);
            if (close < 0) {
                return null;
            }
            v = v.substring(1, close);
        } else {
            if (v.startsWith("#") || v.startsWith(";")) {
                return null; // "secret = # nothing set"
            }
            int comment = indexOfComment(v);
            if (comment >= 0) {
                v = v.substring(0, comment).strip();
            }
            if (v.chars().anyMatch(Character::isWhitespace)) {
                return null; // prose, as "challengePassword = A challenge password" (a prompt), not a password
            }
        }
        if (v.length() < 4 || NOT_SECRETS.contains(v.toLowerCase(Locale.ROOT))) {
            return null;
        }
        if (v.startsWith("$") || v.startsWith("{{") || v.startsWith("%(") || v.startsWith("%{") || v.startsWith("<")
                || v.startsWith("{") || v.startsWith("[") || v.startsWith("!") || v.startsWith("&") || v.startsWith("*")
                && v.chars().allMatch(c -> c == '*') || v.startsWith("%") && v.endsWith("%")) {
            return null;
        }
        if (v.chars().allMatch(c -> c == 'x' || c == 'X' || c == '*' || c == '.' || c == '-' || c == '_')) {
            return null;
        }
        return v;
    }

    private static int indexOfComment(String v) {
        for (int i = 1; i < v.length(); i++) {
            if ((v.charAt(i) == '#' || v.charAt(i) == ';') && Character.isWhitespace(v.charAt(i - 1))) {
                return i;
            }
        }
        return -1;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
