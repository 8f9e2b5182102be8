package io.driftwatch.notify;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.yaml.YamlLines;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The notifiers file ({@code notify --config notifiers.yaml}): a list of notifiers, each checked
 * completely when the file is loaded, so a typo, a missing secret or an unknown placeholder stops
 * the command at start with {@code file:line: message} instead of losing alerts later.
 *
 * <pre>
 * notifiers:
 *   - type: slack                 # slack | pagerduty | webhook | teams | email | jira | sns
 *     name: security-chat
 *     urlEnv: SLACK_WEBHOOK_URL   # or url, or urlFile
 *     minSeverity: MEDIUM         # INFO | LOW (default) | MEDIUM | HIGH | CRITICAL
 *     namespaces: [payments, "prod-*"]
 *     rules: ["DW-FIM-*"]
 *   - type: pagerduty
 *     name: on-call
 *     routingKeyEnv: PD_ROUTING_KEY   # or routingKeyFile
 *     minSeverity: HIGH
 *   - type: webhook
 *     name: siem
 *     url: https://siem.example/api/events
 *     method: POST
 *     headers: {Authorization: "Bearer ${env:SIEM_TOKEN}"}
 *     body: {rule: "${alert.ruleId}", users: "${alert.users}", text: "${alert.message} on ${alert.node}"}
 * </pre>
 *
 * Also {@code teams} (url), {@code email} (host, port, starttls, username/passwordEnv, from, to, replyTo), {@code jira}
 * (url, project, issueType, userEnv/tokenEnv or bearerEnv, priorities, labels, closeTransition; plan notifications
 * only) and {@code sns} (topicArn, region, endpoint, accessKeyIdEnv/secretAccessKeyEnv or profile).
 * Every notifier also takes {@code timeoutMs}, {@code retries}, {@code backoffMs},
 * {@code maxBackoffMs}, {@code queueSize}, {@code dedupSize}, {@code enabled} and {@code alerts}. See src/notifications.md.
 */
public final class NotifiersFile {
    public static final URI PAGERDUTY_EVENTS_URL = URI.create("https://events.pagerduty.com/v2/enqueue");

    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private static final Set<String> COMMON = Set.of("type", "name", "minSeverity",
            "namespaces", "rules", "timeoutMs", "retries", "backoffMs", "maxBackoffMs", "queueSize", "dedupSize", "enabled",
            "alerts");
    private static final Set<String> URL_KEYS = Set.of("url", "urlEnv", "urlFile");
    private static final Map<String, Set<String>> BY_TYPE = Map.of(
            "slack", Set.of("channel", "username", "iconEmoji"),
            "pagerduty", Set.of("routingKeyEnv", "routingKeyFile"),
            "webhook", Set.of("method", "headers", "body"),
            "teams", Set.of(),
            "email", Set.of("host", "port", "starttls", "sslTrust", "username", "usernameEnv", "passwordEnv", "passwordFile",
                    "from", "to", "replyTo"),
            "jira", Set.of("project", "issueType", "apiVersion", "user", "userEnv", "tokenEnv", "tokenFile", "bearerEnv",
                    "bearerFile", "priorities", "labels", "closeTransition"),
            "sns", Set.of("topicArn", "region", "endpoint", "accessKeyIdEnv", "secretAccessKeyEnv", "profile"));
    private static final String TYPES = "slack, pagerduty, webhook, teams, email, jira or sns";
    /** arn:PARTITION:sns:REGION:ACCOUNT:TOPIC (a FIFO topic's name ends in .fifo). */
    private static final java.util.regex.Pattern SNS_ARN =
            java.util.regex.Pattern.compile("arn:aws(-[a-z]+)*:sns:[a-z]{2}(-[a-z]+)+-\\d:\\d{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?");
    private static final java.util.regex.Pattern EMAIL =
            java.util.regex.Pattern.compile("[^@\\s<>\"]+@[^@\\s<>\"]+");
    /** Headers the HTTP client sets itself. */
    private static final Set<String> RESTRICTED_HEADERS = Set.of("connection", "content-length", "expect", "host", "upgrade");

    /** YAML reads on, off, yes, no, true and false unquoted as booleans. */
    private static final String BOOLEAN_HINT = "\"%s\" must be a string, and YAML reads on/off/yes/no/true/false as true or false: quote it";

    private NotifiersFile() {
    }

    /** Reads and checks a notifiers file; {@code ${env:...}}, {@code *Env} and {@code *File} references resolve now. */
    public static List<NotifierSpec> load(Path file, Map<String, String> env) throws IOException, NotifierConfigException {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NotifierConfigException(file.toString(), 0, "notifiers file not found");
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(yaml, file.toString(), dir == null ? Path.of(".") : dir, env);
    }

    /**
     * The names of a file's enabled notifiers, what a response plan's {@code channels} may name
     * ({@code plan validate --notifiers FILE}): the file is checked completely, as at start, except that secrets
     * ({@code *Env}, {@code *File}, {@code ${env:...}}) are not read, so it can be checked where they are not set.
     */
    public static List<String> names(Path file) throws IOException, NotifierConfigException {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NotifierConfigException(file.toString(), 0, "notifiers file not found");
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(yaml, file.toString(), dir == null ? Path.of(".") : dir, ConfigSource.ANY_SECRET).stream()
                .map(NotifierSpec::name).toList();
    }

    /** The enabled notifiers of a file's text; {@code fileName} is what errors name, {@code baseDir} what relative paths start from. */
    public static List<NotifierSpec> parse(String yaml, String fileName, Path baseDir, Map<String, String> env)
            throws NotifierConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            YamlLines.SyntaxError error = YamlLines.syntaxError(e);
            throw new NotifierConfigException(fileName, error.line(), error.message());
        }
        ConfigSource source = new ConfigSource(fileName, baseDir, env, YamlLines.byPointer(yaml));
        JsonNode list;
        String at;
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new NotifierConfigException(fileName, 1, "no notifiers: the file is empty (expected \"notifiers:\" and a list)");
        } else if (root.isArray()) {
            list = root;
            at = "";
        } else if (root.isObject()) {
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals("notifiers")) {
                    throw source.error("/" + key, "unknown key \"" + key + "\" at the top; expected \"notifiers:\" and a list");
                }
            }
            list = root.get("notifiers");
            at = "/notifiers";
            if (list == null || !list.isArray()) {
                throw source.error(at, "\"notifiers\" must be a list of notifiers");
            }
        } else {
            throw source.error("", "expected \"notifiers:\" and a list of notifiers");
        }
        List<NotifierSpec> specs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            NotifierSpec spec = notifier(list.get(i), at + "/" + i, source, names);
            if (spec != null) {
                specs.add(spec);
            }
        }
        if (list.isEmpty()) {
            throw source.error(at, "no notifiers: the list is empty");
        }
        return specs;
    }

    private static NotifierSpec notifier(JsonNode node, String at, ConfigSource source, Set<String> names)
            throws NotifierConfigException {
        if (!node.isObject()) {
            throw source.error(at, "a notifier is a mapping (type, name, url, ...)");
        }
        if (node.get("type") == null) {
            throw source.error(at, "missing \"type\": " + TYPES);
        }
        String type = text(node, "type", at, source).toLowerCase(Locale.ROOT);
        Set<String> own = BY_TYPE.get(type);
        if (own == null) {
            throw source.error(at + "/type", "unknown type \"" + type + "\": " + TYPES);
        }
        Set<String> known = new TreeSet<>(COMMON);
        known.addAll(own);
        if (!type.equals("email") && !type.equals("sns")) {
            known.addAll(URL_KEYS);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                String hint = key.equalsIgnoreCase("routingKey") || key.equalsIgnoreCase("routing_key")
                        ? "a routing key is a secret and is not written in this file: use routingKeyEnv or routingKeyFile"
                        : "known for a " + type + " notifier: " + String.join(", ", known);
                throw source.error(at + "/" + key, "unknown key \"" + key + "\"; " + hint);
            }
        }
        if (node.get("name") == null) {
            throw source.error(at, "missing \"name\" (used in logs and the status line)");
        }
        String name = text(node, "name", at, source);
        if (name.isBlank()) {
            throw source.error(at + "/name", "\"name\" is empty");
        }
        if (!names.add(name)) {
            throw source.error(at + "/name", "a notifier named \"" + name + "\" is already defined");
        }
        boolean enabled = node.has("enabled") ? bool(node, "enabled", at, source) : true;

        Severity minSeverity = Severity.LOW;
        if (node.has("minSeverity")) {
            String value = text(node, "minSeverity", at, source).toUpperCase(Locale.ROOT);
            try {
                minSeverity = Severity.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw source.error(at + "/minSeverity", "unknown severity \"" + node.get("minSeverity").asText()
                        + "\": INFO, LOW, MEDIUM, HIGH or CRITICAL");
            }
        }
        AlertFilter filter = new AlertFilter(minSeverity, strings(node, "namespaces", at, source),
                strings(node, "rules", at, source));

        long timeoutMs = number(node, "timeoutMs", at, source, NotifierSpec.DEFAULT_TIMEOUT_MS, 1, 600_000);
        int retries = (int) number(node, "retries", at, source, NotifierSpec.DEFAULT_RETRIES, 0, 100);
        long backoffMs = number(node, "backoffMs", at, source, NotifierSpec.DEFAULT_BACKOFF_MS, 1, 3_600_000);
        long maxBackoffMs = number(node, "maxBackoffMs", at, source,
                Math.max(backoffMs, NotifierSpec.DEFAULT_MAX_BACKOFF_MS), 1, 3_600_000);
        if (maxBackoffMs < backoffMs) {
            throw source.error(at + "/maxBackoffMs", "maxBackoffMs (" + maxBackoffMs + ") is below backoffMs (" + backoffMs + ")");
        }
        int queueSize = (int) number(node, "queueSize", at, source, NotifierSpec.DEFAULT_QUEUE_SIZE, 1, 1_000_000);
        int dedupSize = (int) number(node, "dedupSize", at, source, NotifierSpec.DEFAULT_DEDUP_SIZE, 0, 10_000_000);

        boolean alerts = !type.equals("jira");
        if (node.has("alerts")) {
            alerts = bool(node, "alerts", at, source);
            if (alerts && type.equals("jira")) {
                throw source.error(at + "/alerts", "a jira notifier takes the response plan's incident notifications only"
                        + " (an issue per incident), not alerts: remove \"alerts: true\"");
            }
        }
        Duration timeout = Duration.ofMillis(timeoutMs);
        if (type.equals("email")) {
            EmailTransport.Settings email = email(node, at, source, enabled, alerts);
            if (!enabled) {
                return null;
            }
            return new NotifierSpec(name, type, null, filter, timeout, retries, backoffMs, maxBackoffMs, queueSize,
                    dedupSize, null, alerts, s -> new EmailTransport(email, s.timeout()),
                    email.host() + ":" + email.port() + " (STARTTLS " + email.startTls().name().toLowerCase(Locale.ROOT) + ")");
        }
        if (type.equals("sns")) {
            SnsTransport.Settings sns = sns(node, at, source, enabled);
            if (!enabled) {
                return null;
            }
            return new NotifierSpec(name, type, null, filter, timeout, retries, backoffMs, maxBackoffMs, queueSize,
                    dedupSize, null, alerts, s -> new SnsTransport(sns, s.timeout()),
                    sns.topicArn() + (sns.endpoint() == null ? "" : " via " + sns.endpoint().getHost()));
        }
        if (!enabled) {
            return null; // checked as far as it goes without its secrets, which need not exist while it is off
        }
        URI url = url(node, at, source, type.equals("pagerduty") ? PAGERDUTY_EVENTS_URL : null);
        if (type.equals("jira")) {
            JiraTransport.Settings jira = jira(node, at, source, name, url);
            return new NotifierSpec(name, type, url, filter, timeout, retries, backoffMs, maxBackoffMs, queueSize,
                    dedupSize, null, false, s -> new JiraTransport(jira, s.timeout()),
                    url.getHost() + " project " + jira.project());
        }
        PayloadFormat format = switch (type) {
            case "slack" -> new SlackFormat(optionalText(node, "channel", at, source),
                    optionalText(node, "username", at, source), optionalText(node, "iconEmoji", at, source));
            case "pagerduty" -> new PagerDutyFormat(secret(node, at, source, "routingKeyEnv", "routingKeyFile", "routing key"));
            case "teams" -> new TeamsFormat();
            default -> webhook(node, at, source);
        };
        return new NotifierSpec(name, type, url, filter, timeout, retries, backoffMs,
                maxBackoffMs, queueSize, dedupSize, format).withAlerts(alerts);
    }

    private static EmailTransport.Settings email(JsonNode node, String at, ConfigSource source, boolean enabled,
                                                 boolean alerts) throws NotifierConfigException {
        if (!node.has("host")) {
            throw source.error(at, "missing \"host\": the SMTP server (e.g. host: smtp.example.com)");
        }
        String host = text(node, "host", at, source).strip();
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:\\[\\]_-]+")) {
            throw source.error(at + "/host", "\"host\" must be a host name or address, not \"" + host + "\"");
        }
        EmailTransport.StartTls startTls = EmailTransport.StartTls.REQUIRED;
        JsonNode tls = node.get("starttls");
        if (tls != null && !tls.isNull()) {
            if (tls.isBoolean()) { // YAML reads an unquoted off/on as false/true
                startTls = tls.asBoolean() ? EmailTransport.StartTls.REQUIRED : EmailTransport.StartTls.OFF;
            } else {
                String value = tls.asText().strip().toUpperCase(Locale.ROOT);
                try {
                    startTls = EmailTransport.StartTls.valueOf(value);
                } catch (IllegalArgumentException e) {
                    throw source.error(at + "/starttls", "starttls must be required, optional or off, not \"" + tls.asText() + "\"");
                }
            }
        }
        int port = (int) number(node, "port", at, source, 587, 1, 65_535);
        String sslTrust = optionalText(node, "sslTrust", at, source);
        if (node.has("username") && node.has("usernameEnv")) {
            throw source.error(at, "give one of username and usernameEnv");
        }
        boolean auth = node.has("username") || node.has("usernameEnv");
        boolean password = node.has("passwordEnv") || node.has("passwordFile");
        if (auth != password) {
            throw source.error(at, auth ? "a username needs its password: give passwordEnv or passwordFile"
                    : "a password needs a username: give username or usernameEnv");
        }
        if (auth && startTls == EmailTransport.StartTls.OFF) {
            throw source.error(at + "/starttls", "SMTP AUTH over a connection without STARTTLS would send the password"
                    + " in clear: use starttls: required (or optional)");
        }
        if (!node.has("from")) {
            throw source.error(at, "missing \"from\": the sender's address");
        }
        jakarta.mail.internet.InternetAddress from = address(node.get("from"), at + "/from", source);
        List<jakarta.mail.internet.InternetAddress> to = new ArrayList<>();
        JsonNode toNode = node.get("to");
        if (toNode != null && !toNode.isNull()) {
            if (toNode.isArray()) {
                for (int i = 0; i < toNode.size(); i++) {
                    to.add(address(toNode.get(i), at + "/to/" + i, source));
                }
            } else {
                to.add(address(toNode, at + "/to", source));
            }
        }
        if (to.isEmpty() && alerts) {
            throw source.error(at, "an email notifier that takes alerts needs \"to\" (a list of addresses);"
                    + " one for plan notifications only says \"alerts: false\" and mails the plan's recipients");
        }
        jakarta.mail.internet.InternetAddress replyTo = node.has("replyTo") ? address(node.get("replyTo"), at + "/replyTo", source) : null;
        String username = null;
        String pass = null;
        if (enabled && auth) {
            username = node.has("username") ? text(node, "username", at, source)
                    : source.env(text(node, "usernameEnv", at, source), at + "/usernameEnv");
            pass = secret(node, at, source, "passwordEnv", "passwordFile", "password");
        }
        return new EmailTransport.Settings(host, port, startTls, sslTrust, username, pass, from, List.copyOf(to), replyTo);
    }

    private static jakarta.mail.internet.InternetAddress address(JsonNode value, String where, ConfigSource source)
            throws NotifierConfigException {
        if (value == null || !value.isTextual() || !EMAIL.matcher(value.asText().replaceAll(".*<(.*)>\\s*$", "$1")).matches()) {
            throw source.error(where, "not an e-mail address: " + (value == null ? "nothing" : "\"" + value.asText() + "\""));
        }
        try {
            return new jakarta.mail.internet.InternetAddress(value.asText().strip(), true);
        } catch (jakarta.mail.internet.AddressException e) {
            throw source.error(where, "not an e-mail address: \"" + value.asText() + "\" (" + e.getMessage() + ")");
        }
    }

    private static JiraTransport.Settings jira(JsonNode node, String at, ConfigSource source, String name, URI url)
            throws NotifierConfigException {
        if (!node.has("project")) {
            throw source.error(at, "missing \"project\": the Jira project key (e.g. SEC)");
        }
        String project = text(node, "project", at, source).strip();
        if (!project.matches("[A-Z][A-Z0-9_]{0,254}")) {
            throw source.error(at + "/project", "\"" + project + "\" is not a Jira project key (capital letters, digits, _)");
        }
        String issueType = node.has("issueType") ? text(node, "issueType", at, source).strip() : "Task";
        int apiVersion = (int) number(node, "apiVersion", at, source, 3, 2, 3);
        boolean basic = node.has("user") || node.has("userEnv") || node.has("tokenEnv") || node.has("tokenFile");
        boolean bearer = node.has("bearerEnv") || node.has("bearerFile");
        String authorization;
        if (basic && bearer) {
            throw source.error(at, "give a user and token (Basic) or a bearer token, not both");
        } else if (bearer) {
            authorization = "Bearer " + secret(node, at, source, "bearerEnv", "bearerFile", "bearer token");
        } else if (basic) {
            if (node.has("user") == node.has("userEnv")) {
                throw source.error(at, "give one of user and userEnv (the account of the API token)");
            }
            String user = node.has("user") ? text(node, "user", at, source)
                    : source.env(text(node, "userEnv", at, source), at + "/userEnv");
            String token = secret(node, at, source, "tokenEnv", "tokenFile", "API token");
            authorization = "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user + ":" + token).getBytes(StandardCharsets.UTF_8));
        } else {
            throw source.error(at, "missing credentials: userEnv (or user) with tokenEnv or tokenFile (Basic), or"
                    + " bearerEnv or bearerFile (a personal access token)");
        }
        Map<String, String> priorities = new LinkedHashMap<>();
        JsonNode p = node.get("priorities");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw source.error(at + "/priorities", "\"priorities\" maps a severity to a Jira priority name, e.g. {CRITICAL: Highest}");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String severity = e.getKey().toUpperCase(Locale.ROOT);
                try {
                    Severity.valueOf(severity);
                } catch (IllegalArgumentException ex) {
                    throw source.error(at + "/priorities/" + e.getKey(), "unknown severity \"" + e.getKey()
                            + "\": INFO, LOW, MEDIUM, HIGH or CRITICAL");
                }
                if (!e.getValue().isTextual() || e.getValue().asText().isBlank()) {
                    throw source.error(at + "/priorities/" + e.getKey(), "a priority is a name, e.g. Highest");
                }
                priorities.put(severity, e.getValue().asText());
            }
        }
        List<String> labels = strings(node, "labels", at, source);
        for (int i = 0; i < labels.size(); i++) {
            if (!labels.get(i).matches("\\S+")) {
                throw source.error(at + "/labels/" + i, "a Jira label has no spaces: \"" + labels.get(i) + "\"");
            }
        }
        return new JiraTransport.Settings(name, url, apiVersion, project, issueType, authorization, priorities, labels,
                optionalText(node, "closeTransition", at, source));
    }

    private static SnsTransport.Settings sns(JsonNode node, String at, ConfigSource source, boolean enabled)
            throws NotifierConfigException {
        if (!node.has("topicArn")) {
            throw source.error(at, "missing \"topicArn\": the SNS topic (arn:aws:sns:REGION:ACCOUNT:NAME)");
        }
        String arn = text(node, "topicArn", at, source).strip();
        if (!SNS_ARN.matcher(arn).matches()) {
            throw source.error(at + "/topicArn", "\"" + arn + "\" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)");
        }
        String region = node.has("region") ? text(node, "region", at, source).strip() : SnsTransport.regionOf(arn);
        if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
            throw source.error(at + "/region", "\"" + region + "\" is not an AWS region (e.g. eu-west-1)");
        }
        URI endpoint = null;
        if (node.has("endpoint")) {
            String value = text(node, "endpoint", at, source).strip();
            try {
                endpoint = new URI(value);
            } catch (URISyntaxException e) {
                endpoint = null;
            }
            if (endpoint == null || endpoint.getHost() == null || endpoint.getScheme() == null
                    || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))) {
                throw source.error(at + "/endpoint", "\"endpoint\" must be an http:// or https:// URL, not \"" + value + "\"");
            }
        }
        if (node.has("accessKeyIdEnv") != node.has("secretAccessKeyEnv")) {
            throw source.error(at, "give both accessKeyIdEnv and secretAccessKeyEnv, or neither (the SDK's default chain)");
        }
        if (node.has("accessKeyIdEnv") && node.has("profile")) {
            throw source.error(at + "/profile", "give a profile or accessKeyIdEnv/secretAccessKeyEnv, not both");
        }
        String keyId = null;
        String secret = null;
        if (enabled && node.has("accessKeyIdEnv")) {
            keyId = source.env(text(node, "accessKeyIdEnv", at, source), at + "/accessKeyIdEnv");
            secret = source.env(text(node, "secretAccessKeyEnv", at, source), at + "/secretAccessKeyEnv");
        }
        return new SnsTransport.Settings(arn, region, endpoint, keyId, secret, optionalText(node, "profile", at, source));
    }

    private static WebhookFormat webhook(JsonNode node, String at, ConfigSource source) throws NotifierConfigException {
        String method = node.has("method") ? text(node, "method", at, source).toUpperCase(Locale.ROOT) : "POST";
        if (!method.equals("POST") && !method.equals("PUT")) {
            throw source.error(at + "/method", "method " + method + " is not supported: POST or PUT");
        }
        Map<String, TextTemplate> headers = new LinkedHashMap<>();
        JsonNode headerNode = node.get("headers");
        if (headerNode != null && !headerNode.isNull()) {
            if (!headerNode.isObject()) {
                throw source.error(at + "/headers", "\"headers\" must be a mapping of header name to value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = headerNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> header = it.next();
                String where = at + "/headers/" + header.getKey();
                if (!header.getKey().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                    throw source.error(where, "\"" + header.getKey() + "\" is not a valid header name");
                }
                if (RESTRICTED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
                    throw source.error(where, "header " + header.getKey() + " is set by the HTTP client and cannot be configured");
                }
                if (!header.getValue().isValueNode() || header.getValue().isNull()) {
                    throw source.error(where, "the value of header " + header.getKey() + " must be a string");
                }
                headers.put(header.getKey(), TextTemplate.compile(header.getValue().asText(), where, source, true));
            }
        }
        JsonNode body = node.get("body");
        String bodyAt = at + "/body";
        if (body == null || body.isNull()) {
            body = com.fasterxml.jackson.databind.node.TextNode.valueOf("${alert}");
        } else if (body.isTextual() && looksLikeJson(body.asText())) {
            try {
                body = new ObjectMapper().readTree(body.asText());
            } catch (JsonProcessingException e) {
                throw source.error(bodyAt, "the body is not valid JSON: " + firstLine(e.getOriginalMessage())
                        + " (line " + e.getLocation().getLineNr() + " of the body)");
            }
        }
        return new WebhookFormat(method, headers, JsonTemplate.compile(body, bodyAt, source));
    }

    private static boolean looksLikeJson(String text) {
        String t = text.strip();
        return t.startsWith("{") || t.startsWith("[");
    }

    /** url, urlEnv or urlFile (exactly one), or the default. The value may be a secret: errors never show it. */
    private static URI url(JsonNode node, String at, ConfigSource source, URI fallback) throws NotifierConfigException {
        int given = (node.has("url") ? 1 : 0) + (node.has("urlEnv") ? 1 : 0) + (node.has("urlFile") ? 1 : 0);
        if (given > 1) {
            throw source.error(at, "give one of url, urlEnv and urlFile");
        }
        String value;
        String where;
        String what;
        if (node.has("url")) {
            where = at + "/url";
            value = TextTemplate.compile(text(node, "url", at, source), where, source, false).render(null);
            what = "url";
        } else if (node.has("urlEnv")) {
            where = at + "/urlEnv";
            String variable = text(node, "urlEnv", at, source);
            value = source.env(variable, where);
            what = "the URL in environment variable " + variable;
        } else if (node.has("urlFile")) {
            where = at + "/urlFile";
            value = source.file(text(node, "urlFile", at, source), where);
            what = "the URL in file " + node.get("urlFile").asText();
        } else if (fallback != null) {
            return fallback;
        } else {
            throw source.error(at, "missing url: give url, urlEnv or urlFile");
        }
        try {
            URI uri = new URI(value.strip());
            if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
                    || uri.getHost() == null) {
                throw source.error(where, what + " is not an absolute http:// or https:// URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw source.error(where, what + " is not a valid URL (" + e.getReason() + ")");
        }
    }

    private static String secret(JsonNode node, String at, ConfigSource source, String envKey, String fileKey, String what)
            throws NotifierConfigException {
        if (node.has(envKey) && node.has(fileKey)) {
            throw source.error(at, "give one of " + envKey + " and " + fileKey);
        }
        if (node.has(envKey)) {
            return source.env(text(node, envKey, at, source), at + "/" + envKey);
        }
        if (node.has(fileKey)) {
            return source.file(text(node, fileKey, at, source), at + "/" + fileKey);
        }
        throw source.error(at, "missing " + what + ": give " + envKey + " (an environment variable) or " + fileKey + " (a file)");
    }

    private static String text(JsonNode node, String key, String at, ConfigSource source) throws NotifierConfigException {
        JsonNode value = node.get(key);
        if (value == null || !value.isValueNode() || value.isNull()) {
            throw source.error(at + "/" + key, "\"" + key + "\" must be a string");
        }
        if (value.isBoolean()) {
            throw source.error(at + "/" + key, BOOLEAN_HINT.formatted(key));
        }
        return value.asText();
    }

    private static String optionalText(JsonNode node, String key, String at, ConfigSource source) throws NotifierConfigException {
        return node.has(key) && !node.get(key).isNull() ? text(node, key, at, source) : null;
    }

    private static boolean bool(JsonNode node, String key, String at, ConfigSource source) throws NotifierConfigException {
        JsonNode value = node.get(key);
        if (!value.isBoolean()) {
            throw source.error(at + "/" + key, "\"" + key + "\" must be true or false");
        }
        return value.asBoolean();
    }

    private static long number(JsonNode node, String key, String at, ConfigSource source, long fallback, long min, long max)
            throws NotifierConfigException {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw source.error(at + "/" + key, "\"" + key + "\" must be a whole number, not \"" + value.asText() + "\"");
        }
        long n = value.asLong();
        if (n < min || n > max) {
            throw source.error(at + "/" + key, "\"" + key + "\" must be between " + min + " and " + max + ", not " + n);
        }
        return n;
    }

    /** A list of names (or one name). */
    private static List<String> strings(JsonNode node, String key, String at, ConfigSource source) throws NotifierConfigException {
        JsonNode value = node.get(key);
        List<String> out = new ArrayList<>();
        if (value == null || value.isNull()) {
            return out;
        }
        if (value.isBoolean()) {
            throw source.error(at + "/" + key, BOOLEAN_HINT.formatted(key));
        }
        if (value.isValueNode()) {
            out.add(value.asText());
            return out;
        }
        if (!value.isArray()) {
            throw source.error(at + "/" + key, "\"" + key + "\" must be a list of names (a name may end in *)");
        }
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (item.isBoolean()) {
                throw source.error(at + "/" + key + "/" + i, BOOLEAN_HINT.formatted(key));
            }
            if (!item.isValueNode() || item.isNull() || item.asText().isBlank()) {
                throw source.error(at + "/" + key + "/" + i, "\"" + key + "\" must be a list of names (a name may end in *)");
            }
            out.add(item.asText());
        }
        return out;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "not valid YAML";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }
}
