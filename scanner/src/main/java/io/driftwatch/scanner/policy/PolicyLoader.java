package io.driftwatch.scanner.policy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.Check;
import io.driftwatch.scanner.check.CheckInfo;
import io.driftwatch.scanner.check.ContentCheck;
import io.driftwatch.scanner.check.CustomPattern;
import io.driftwatch.scanner.check.Detector;
import io.driftwatch.scanner.check.ExecutableCheck;
import io.driftwatch.scanner.check.ExistsCheck;
import io.driftwatch.scanner.check.NameCheck;
import io.driftwatch.scanner.check.NotExistsCheck;
import io.driftwatch.scanner.check.OwnerCheck;
import io.driftwatch.scanner.check.PathFilter;
import io.driftwatch.scanner.check.RejectedEntryCheck;
import io.driftwatch.scanner.check.SecretMatcher;
import io.driftwatch.scanner.check.SetuidCheck;
import io.driftwatch.scanner.check.Sha256Check;
import io.driftwatch.scanner.check.WorldWritableCheck;
import io.driftwatch.schemas.yaml.YamlLines;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads image policies (src/image-scanning.md): YAML with {@code version}, {@code checks} and {@code exceptions}, each
 * key checked, every problem reported as {@code file:line: message}. The built-in default policy
 * ({@code default-policy.yaml} beside this class) is the base; a policy file adds checks, replaces a check whole (same
 * {@code id} with a {@code type}), patches one ({@code id} with only {@code severity}, {@code description},
 * {@code help}, {@code enabled}) and adds exceptions.
 */
public final class PolicyLoader {
    /** The name problems and check sources give the built-in policy. */
    public static final String BUILT_IN = "built-in";
    private static final String RESOURCE = "default-policy.yaml";

    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    static final List<String> TYPES = List.of("exists", "not-exists", "sha256", "setuid", "world-writable", "executable",
            "owner", "name", "content", "rejected-entry");
    private static final Set<String> COMMON = Set.of("id", "type", "severity", "description", "help", "enabled");
    private static final Set<String> PATCH = Set.of("id", "severity", "description", "help", "enabled");
    private static final Map<String, Set<String>> BY_TYPE = Map.of(
            "exists", Set.of("paths"),
            "not-exists", Set.of("paths", "allow"),
            "sha256", Set.of("paths", "allow", "sha256"),
            "setuid", Set.of("paths", "allow", "bits"),
            "world-writable", Set.of("paths", "allow", "allowSticky"),
            "executable", Set.of("paths", "allow"),
            "owner", Set.of("paths", "allow", "uid", "gid"),
            "name", Set.of("paths", "allow", "pattern", "match"),
            "content", Set.of("paths", "allow", "detector", "pattern", "label", "allowValues", "allowFingerprints", "binary"),
            "rejected-entry", Set.of());
    private static final Set<String> TOP = Set.of("version", "checks", "exceptions");
    private static final Set<String> EXCEPTION_KEYS = Set.of("paths", "checks", "fingerprints", "reason");

    private PolicyLoader() {
    }

    /** The built-in default policy alone. */
    public static Policy defaultPolicy() {
        try {
            return merge(List.of(builtInDocument()));
        } catch (PolicyException e) {
            throw new IllegalStateException("the built-in policy is broken: " + e.getMessage(), e);
        }
    }

    /** The text of the built-in policy, for docs and {@code scan --print-default-policy}. */
    public static String defaultPolicyText() {
        try (InputStream in = PolicyLoader.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the built-in policy " + RESOURCE + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The built-in policy (unless {@code withDefault} is false) extended or overridden by {@code file} (may be null). */
    public static Policy load(Path file, boolean withDefault) throws PolicyException {
        return load(file == null ? List.of() : List.of(file), withDefault);
    }

    /**
     * The built-in policy (unless {@code withDefault} is false), then each file in turn: a later file extends, replaces
     * and patches what the earlier ones defined. The problems of every file are reported together.
     */
    public static Policy load(List<Path> files, boolean withDefault) throws PolicyException {
        List<Document> documents = new ArrayList<>();
        List<PolicyException.Problem> problems = new ArrayList<>();
        if (withDefault) {
            documents.add(builtInDocument());
        }
        for (Path file : files) {
            try {
                documents.add(readFile(file));
            } catch (PolicyException e) {
                problems.addAll(e.problems());
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return merge(documents);
    }

    private static Document readFile(Path file) throws PolicyException {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new PolicyException(List.of(new PolicyException.Problem(file.toString(), 0, "policy file not found")));
        } catch (IOException e) {
            throw new PolicyException(List.of(new PolicyException.Problem(file.toString(), 0, "cannot read: " + e.getMessage())));
        }
        return read(yaml, file.toString());
    }

    /** A policy from text (tests, and a file already read): {@code base} (may be null) then this text. */
    public static Policy parse(String yaml, String fileName, boolean withDefault) throws PolicyException {
        List<Document> documents = new ArrayList<>();
        if (withDefault) {
            documents.add(builtInDocument());
        }
        documents.add(read(yaml, fileName));
        return merge(documents);
    }

    private static Document builtInDocument() {
        try {
            return read(defaultPolicyText(), BUILT_IN);
        } catch (PolicyException e) {
            throw new IllegalStateException("the built-in policy is broken: " + e.getMessage(), e);
        }
    }

    // ---- one file

    /** Where things are in one file, and the problems found in it. */
    static final class Source {
        final String file;
        final Map<String, Integer> lines;
        final List<PolicyException.Problem> problems;

        Source(String file, Map<String, Integer> lines, List<PolicyException.Problem> problems) {
            this.file = file;
            this.lines = lines;
            this.problems = problems;
        }

        int line(String pointer) {
            return io.driftwatch.schemas.yaml.YamlLines.lineOf(lines, pointer);
        }

        void problem(String pointer, String message) {
            problems.add(new PolicyException.Problem(file, line(pointer), message));
        }

        String where(String pointer) {
            int line = line(pointer);
            return file + (line > 0 ? ":" + line : "");
        }
    }

    /** A check as one file gives it: whole (a type) or a patch of a check defined before. */
    private record CheckEntry(String id, ObjectNode node, String at, Source source, boolean patch, Check check) {
    }

    private record Document(Source source, List<CheckEntry> checks, List<Exemption> exemptions,
            List<String> exemptionChecks, List<String> exemptionPointers) {
    }

    private static Document read(String yaml, String fileName) throws PolicyException {
        List<PolicyException.Problem> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new PolicyException(List.of(yamlProblem(e, fileName)));
        }
        Source source = new Source(fileName, YamlLines.byPointer(yaml), problems);
        List<CheckEntry> checks = new ArrayList<>();
        List<Exemption> exemptions = new ArrayList<>();
        List<String> exemptionChecks = new ArrayList<>();
        List<String> exemptionPointers = new ArrayList<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return new Document(source, checks, exemptions, exemptionChecks, exemptionPointers); // an empty file changes nothing
        }
        if (!root.isObject()) {
            source.problem("", "a policy is a mapping with \"checks:\" and \"exceptions:\"");
            throw new PolicyException(problems);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!TOP.contains(key)) {
                source.problem("/" + key, "unknown key \"" + key + "\" at the top; expected " + String.join(", ", new TreeSet<>(TOP)));
            }
        }
        JsonNode version = root.get("version");
        if (version != null && !(version.isInt() && version.asInt() == 1) && !"1".equals(version.asText())) {
            source.problem("/version", "unsupported policy version " + version.asText() + "; this scanner reads version 1");
        }
        JsonNode list = root.get("checks");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) {
                source.problem("/checks", "\"checks\" must be a list of checks");
            } else {
                Set<String> ids = new HashSet<>();
                for (int i = 0; i < list.size(); i++) {
                    CheckEntry entry = checkEntry(list.get(i), "/checks/" + i, source, ids);
                    if (entry != null) {
                        checks.add(entry);
                    }
                }
            }
        }
        JsonNode exceptions = root.get("exceptions");
        if (exceptions != null && !exceptions.isNull()) {
            if (!exceptions.isArray()) {
                source.problem("/exceptions", "\"exceptions\" must be a list of exceptions");
            } else {
                for (int i = 0; i < exceptions.size(); i++) {
                    String at = "/exceptions/" + i;
                    Exemption exemption = exemption(exceptions.get(i), at, source);
                    if (exemption != null) {
                        exemptions.add(exemption);
                        for (int c = 0; c < exemption.checks().size(); c++) {
                            exemptionPointers.add(at + "/checks");
                        }
                        exemptionChecks.addAll(exemption.checks());
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return new Document(source, checks, exemptions, exemptionChecks, exemptionPointers);
    }

    private static PolicyException.Problem yamlProblem(JsonProcessingException e, String fileName) {
        io.driftwatch.schemas.yaml.YamlLines.SyntaxError error = io.driftwatch.schemas.yaml.YamlLines.syntaxError(e);
        return new PolicyException.Problem(fileName, error.line(), error.message());
    }

    private static CheckEntry checkEntry(JsonNode node, String at, Source source, Set<String> ids) {
        if (!node.isObject()) {
            source.problem(at, "a check is a mapping (id, type, severity, description, ...)");
            return null;
        }
        JsonNode idNode = node.get("id");
        if (idNode == null || !idNode.isTextual() || idNode.asText().isBlank()) {
            source.problem(idNode == null ? at : at + "/id", "a check needs an \"id\" (a name such as ACME-IMG-001)");
            return null;
        }
        String id = idNode.asText();
        if (!ID.matcher(id).matches()) {
            source.problem(at + "/id", "check id \"" + id + "\" may hold only letters, digits, '.', '_' and '-' (at most 64)");
            return null;
        }
        if (!ids.add(id)) {
            source.problem(at + "/id", "check " + id + " is defined twice in this file");
            return null;
        }
        ObjectNode object = (ObjectNode) node;
        if (!node.has("type")) {
            int before = source.problems.size();
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!PATCH.contains(key)) {
                    source.problem(at + "/" + key, "unknown key \"" + key + "\" in a patch of check " + id + " (a check without"
                            + " \"type\" changes only " + String.join(", ", new TreeSet<>(PATCH)) + " of a check defined"
                            + " before; give its type to define or replace it whole)");
                }
            }
            if (node.has("severity")) {
                severity(node, at, source);
            }
            for (String key : List.of("description", "help")) {
                if (node.has(key)) {
                    text(node, key, at, source);
                }
            }
            if (node.has("enabled")) {
                bool(node, "enabled", at, source, true);
            }
            return source.problems.size() == before ? new CheckEntry(id, object, at, source, true, null) : null;
        }
        Check check = build(object, at, source);
        return check == null ? null : new CheckEntry(id, object, at, source, false, check);
    }

    /** A whole check from its node, or null with the problems added to the source. */
    private static Check build(ObjectNode node, String at, Source source) {
        int before = source.problems.size();
        String id = node.get("id").asText();
        String type = text(node, "type", at, source);
        if (type == null) {
            return null;
        }
        Set<String> own = BY_TYPE.get(type);
        if (own == null) {
            source.problem(at + "/type", "unknown check type \"" + type + "\"; known: " + String.join(", ", TYPES));
            return null;
        }
        Set<String> known = new TreeSet<>(COMMON);
        known.addAll(own);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                source.problem(at + "/" + key, "unknown key \"" + key + "\" for a " + type + " check; known: " + String.join(", ", known));
            }
        }
        Severity severity = node.has("severity") ? severity(node, at, source) : null;
        if (!node.has("severity")) {
            source.problem(at, "check " + id + " needs a \"severity\": INFO, LOW, MEDIUM, HIGH or CRITICAL");
        }
        String description = node.has("description") ? text(node, "description", at, source) : null;
        if (!node.has("description")) {
            source.problem(at, "check " + id + " needs a \"description\" (one line, shown in reports)");
        }
        String help = node.has("help") ? text(node, "help", at, source) : null;
        if (node.has("enabled")) {
            bool(node, "enabled", at, source, true);
        }
        List<Glob> paths = globs(node, "paths", at, source);
        List<Glob> allow = globs(node, "allow", at, source);
        if (Set.of("exists", "not-exists", "sha256", "executable", "owner").contains(type) && paths.isEmpty() && !node.has("paths")) {
            source.problem(at, "a " + type + " check needs \"paths\" (globs such as /etc/shadow- or **/.git)");
        }
        CheckInfo info = new CheckInfo(id, type, severity, description, help == null ? "" : help, source.where(at));
        PathFilter filter = new PathFilter(paths, allow);
        Check check = switch (type) {
            case "exists" -> new ExistsCheck(info, paths);
            case "not-exists" -> new NotExistsCheck(info, filter);
            case "sha256" -> sha256(node, at, source, info, filter);
            case "setuid" -> setuid(node, at, source, info, filter);
            case "world-writable" -> new WorldWritableCheck(info, filter, bool(node, "allowSticky", at, source, true));
            case "executable" -> new ExecutableCheck(info, filter);
            case "owner" -> owner(node, at, source, info, filter);
            case "name" -> name(node, at, source, info, filter);
            case "content" -> content(node, at, source, info, filter);
            case "rejected-entry" -> new RejectedEntryCheck(info);
            default -> throw new IllegalStateException(type);
        };
        return source.problems.size() == before ? check : null;
    }

    private static Check sha256(ObjectNode node, String at, Source source, CheckInfo info, PathFilter filter) {
        if (!node.has("sha256")) {
            source.problem(at, "a sha256 check needs \"sha256\": the digest (64 hex digits) or a list of them");
            return null;
        }
        List<String> digests = new ArrayList<>();
        List<String> values = strings(node, "sha256", at, source);
        for (int i = 0; i < values.size(); i++) {
            String d = values.get(i).trim().toLowerCase(Locale.ROOT);
            if (d.startsWith("sha256:")) {
                d = d.substring("sha256:".length());
            }
            if (d.length() != 64 || !HEX.matcher(d).matches()) {
                source.problem(elementPointer(node, "sha256", at, i), "\"" + values.get(i) + "\" is not a SHA-256 digest (64 hex digits)");
            }
            digests.add(d);
        }
        return new Sha256Check(info, filter, digests);
    }

    private static Check setuid(ObjectNode node, String at, Source source, CheckInfo info, PathFilter filter) {
        boolean setuid = true;
        boolean setgid = true;
        if (node.has("bits")) {
            List<String> bits = strings(node, "bits", at, source);
            setuid = bits.contains("setuid");
            setgid = bits.contains("setgid");
            for (int i = 0; i < bits.size(); i++) {
                if (!bits.get(i).equals("setuid") && !bits.get(i).equals("setgid")) {
                    source.problem(elementPointer(node, "bits", at, i), "unknown bit \"" + bits.get(i) + "\": setuid or setgid");
                }
            }
        }
        return new SetuidCheck(info, filter, setuid, setgid);
    }

    private static Check owner(ObjectNode node, String at, Source source, CheckInfo info, PathFilter filter) {
        List<Long> uids = ids(node, "uid", at, source);
        List<Long> gids = ids(node, "gid", at, source);
        if (!node.has("uid") && !node.has("gid")) {
            source.problem(at, "an owner check needs \"uid\", \"gid\" or both (a number or a list of numbers)");
        }
        return new OwnerCheck(info, filter, uids, gids);
    }

    private static Check name(ObjectNode node, String at, Source source, CheckInfo info, PathFilter filter) {
        Pattern pattern = regex(node, "pattern", at, source);
        if (!node.has("pattern")) {
            source.problem(at, "a name check needs \"pattern\": a regular expression searched in each path");
        }
        NameCheck.Target target = NameCheck.Target.PATH;
        if (node.has("match")) {
            String match = text(node, "match", at, source);
            if ("name".equals(match)) {
                target = NameCheck.Target.NAME;
            } else if (match != null && !match.equals("path")) {
                source.problem(at + "/match", "unknown match \"" + match + "\": path (the whole path, the default) or name"
                        + " (its last segment)");
            }
        }
        return pattern == null ? null : new NameCheck(info, filter, pattern, target);
    }

    private static Check content(ObjectNode node, String at, Source source, CheckInfo info, PathFilter filter) {
        SecretMatcher matcher = null;
        if (node.has("detector") == node.has("pattern")) {
            source.problem(at, "a content check needs either \"detector\" (one of " + String.join(", ", Detector.names())
                    + ") or \"pattern\" (a regular expression), not both");
        } else if (node.has("detector")) {
            String name = text(node, "detector", at, source);
            if (name != null) {
                matcher = Detector.byName(name);
                if (matcher == null) {
                    source.problem(at + "/detector", "unknown detector \"" + name + "\"; known: " + String.join(", ", Detector.names()));
                }
            }
            if (node.has("label")) {
                source.problem(at + "/label", "\"label\" names a custom pattern's secrets; a detector has its own");
            }
        } else {
            Pattern pattern = regex(node, "pattern", at, source);
            String label = node.has("label") ? text(node, "label", at, source) : null;
            if (pattern != null) {
                matcher = new CustomPattern(pattern, label == null ? "secret matching " + info.id() : label);
            }
        }
        List<String> allowValues = strings(node, "allowValues", at, source);
        List<String> fingerprints = strings(node, "allowFingerprints", at, source);
        checkFingerprints(node, "allowFingerprints", at, source, fingerprints);
        boolean binary = bool(node, "binary", at, source, false);
        return matcher == null ? null : new ContentCheck(info, filter, matcher, allowValues, fingerprints, binary);
    }

    private static void checkFingerprints(JsonNode node, String key, String at, Source source, List<String> fingerprints) {
        for (int i = 0; i < fingerprints.size(); i++) {
            String hex = ContentCheck.hex(fingerprints.get(i));
            if (hex.length() < 8 || hex.length() > 64 || !HEX.matcher(hex).matches()) {
                source.problem(elementPointer(node, key, at, i), "\"" + fingerprints.get(i) + "\" is not a fingerprint: sha256:"
                        + " and at least 8 hex digits, as reports print them (sha256:1f3a0c9e2b7d)");
            }
        }
    }

    private static Exemption exemption(JsonNode node, String at, Source source) {
        if (!node.isObject()) {
            source.problem(at, "an exception is a mapping (paths, checks, fingerprints, reason)");
            return null;
        }
        int before = source.problems.size();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!EXCEPTION_KEYS.contains(key)) {
                String hint = EXCEPTION_KEYS.contains(key + "s") ? "; did you mean \"" + key + "s\" (a glob or a list of them)?"
                        : "; known: " + String.join(", ", new TreeSet<>(EXCEPTION_KEYS));
                source.problem(at + "/" + key, "unknown key \"" + key + "\" in an exception" + hint);
            }
        }
        String reason = null;
        if (!node.has("reason")) {
            source.problem(at, "an exception needs a \"reason\" (why these findings are acceptable)");
        } else {
            reason = text(node, "reason", at, source);
            if (reason != null && reason.isBlank()) {
                source.problem(at + "/reason", "an exception needs a \"reason\" (why these findings are acceptable)");
            }
        }
        List<Glob> paths = globs(node, "paths", at, source);
        List<String> checks = strings(node, "checks", at, source);
        List<String> fingerprints = strings(node, "fingerprints", at, source);
        checkFingerprints(node, "fingerprints", at, source, fingerprints);
        if (!node.has("paths") && !node.has("checks") && !node.has("fingerprints")) {
            source.problem(at, "an exception needs \"paths\", \"checks\" or \"fingerprints\" to say what it covers");
        }
        if (source.problems.size() != before) {
            return null;
        }
        return new Exemption(paths, new LinkedHashSet<>(checks), fingerprints, reason, source.where(at));
    }

    // ---- merging

    private static Policy merge(List<Document> documents) throws PolicyException {
        Map<String, CheckEntry> byId = new LinkedHashMap<>();
        Map<String, Check> checks = new LinkedHashMap<>();
        Set<String> disabled = new HashSet<>();
        List<Exemption> exemptions = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        List<PolicyException.Problem> problems = new ArrayList<>();
        for (Document doc : documents) {
            sources.add(doc.source().file);
            for (CheckEntry entry : doc.checks()) {
                if (entry.patch()) {
                    CheckEntry base = byId.get(entry.id());
                    if (base == null) {
                        doc.source().problem(entry.at() + "/id", "check " + entry.id() + " is not defined before (by the built-in"
                                + " policy or an earlier file), so it needs a \"type\" and the rest of a check");
                        continue;
                    }
                    ObjectNode patched = base.node().deepCopy();
                    for (String key : List.of("severity", "description", "help")) {
                        if (entry.node().has(key)) {
                            patched.set(key, TextNode.valueOf(entry.node().get(key).asText()));
                        }
                    }
                    Check rebuilt = build(patched, base.at(), base.source());
                    if (rebuilt == null) {
                        throw new IllegalStateException("patching " + entry.id() + ": " + base.source().problems);
                    }
                    byId.put(entry.id(), new CheckEntry(entry.id(), patched, base.at(), base.source(), false, rebuilt));
                    checks.put(entry.id(), rebuilt);
                    enabled(entry.node(), disabled, entry.id());
                } else {
                    byId.put(entry.id(), entry);
                    checks.put(entry.id(), entry.check());
                    disabled.remove(entry.id());
                    enabled(entry.node(), disabled, entry.id());
                }
            }
            problems.addAll(doc.source().problems);
        }
        for (Document doc : documents) {
            for (int i = 0; i < doc.exemptionChecks().size(); i++) {
                String id = doc.exemptionChecks().get(i);
                if (!checks.containsKey(id)) {
                    problems.add(new PolicyException.Problem(doc.source().file, doc.source().line(doc.exemptionPointers().get(i)),
                            "exception names check " + id + ", which no policy defines"));
                }
            }
            exemptions.addAll(doc.exemptions());
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return new Policy(new ArrayList<>(checks.values()), disabled, exemptions, sources);
    }

    private static void enabled(JsonNode node, Set<String> disabled, String id) {
        JsonNode enabled = node.get("enabled");
        if (enabled != null) {
            if (enabled.asBoolean(true)) {
                disabled.remove(id);
            } else {
                disabled.add(id);
            }
        }
    }

    // ---- values

    private static Severity severity(JsonNode node, String at, Source source) {
        String value = text(node, "severity", at, source);
        if (value == null) {
            return null;
        }
        try {
            return Severity.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            source.problem(at + "/severity", "unknown severity \"" + value + "\": INFO, LOW, MEDIUM, HIGH or CRITICAL");
            return null;
        }
    }

    private static String text(JsonNode node, String key, String at, Source source) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            source.problem(at + "/" + key, "\"" + key + "\" needs a value");
            return null;
        }
        if (value.isBoolean()) {
            source.problem(at + "/" + key, "\"" + key + "\" must be a string, and YAML reads on/off/yes/no/true/false as"
                    + " true or false: quote it");
            return null;
        }
        if (!value.isValueNode()) {
            source.problem(at + "/" + key, "\"" + key + "\" must be a string");
            return null;
        }
        return value.asText();
    }

    private static boolean bool(JsonNode node, String key, String at, Source source, boolean fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            source.problem(at + "/" + key, "\"" + key + "\" must be true or false");
            return fallback;
        }
        return value.asBoolean();
    }

    /** A string or a list of strings (a string is a list of one); empty when the key is absent. */
    private static List<String> strings(JsonNode node, String key, String at, Source source) {
        JsonNode value = node.get(key);
        List<String> out = new ArrayList<>();
        if (value == null || value.isNull()) {
            return out;
        }
        if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                JsonNode item = value.get(i);
                if (!item.isValueNode() || item.isNull() || item.isBoolean()) {
                    source.problem(at + "/" + key + "/" + i, "\"" + key + "\" must hold strings"
                            + (item.isBoolean() ? " (YAML reads on/off/yes/no/true/false as true or false: quote it)" : ""));
                } else {
                    out.add(item.asText());
                }
            }
        } else if (value.isValueNode() && !value.isBoolean()) {
            out.add(value.asText());
        } else {
            source.problem(at + "/" + key, "\"" + key + "\" must be a string or a list of strings");
        }
        return out;
    }

    /** Where element i of a string-or-list key is. */
    private static String elementPointer(JsonNode node, String key, String at, int i) {
        return node.get(key) != null && node.get(key).isArray() ? at + "/" + key + "/" + i : at + "/" + key;
    }

    private static List<Glob> globs(JsonNode node, String key, String at, Source source) {
        List<String> texts = strings(node, key, at, source);
        List<Glob> globs = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                globs.add(Glob.compile(texts.get(i)));
            } catch (IllegalArgumentException e) {
                source.problem(elementPointer(node, key, at, i), "bad glob in " + key + ": " + e.getMessage());
            }
        }
        return globs;
    }

    private static List<Long> ids(JsonNode node, String key, String at, Source source) {
        JsonNode value = node.get(key);
        List<Long> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        List<JsonNode> items = new ArrayList<>();
        if (value.isArray()) {
            value.forEach(items::add);
        } else {
            items.add(value);
        }
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            if (!item.canConvertToLong() || !item.isIntegralNumber() || item.asLong() < 0) {
                source.problem(value.isArray() ? at + "/" + key + "/" + i : at + "/" + key,
                        "\"" + key + "\" must be a number (0 or more) or a list of numbers");
            } else {
                out.add(item.asLong());
            }
        }
        return out;
    }

    private static Pattern regex(JsonNode node, String key, String at, Source source) {
        if (!node.has(key)) {
            return null;
        }
        String text = text(node, key, at, source);
        if (text == null) {
            return null;
        }
        if (text.isEmpty()) {
            source.problem(at + "/" + key, "empty regular expression in " + key);
            return null;
        }
        try {
            return Pattern.compile(text);
        } catch (PatternSyntaxException e) {
            source.problem(at + "/" + key, "bad regex in " + key + ": " + e.getDescription()
                    + (e.getIndex() >= 0 ? " near index " + e.getIndex() : "") + " of " + text);
            return null;
        }
    }
}
