package io.driftwatch.rules.plan;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.Severity;
import io.driftwatch.schemas.yaml.YamlLines;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and checks a response plan file (YAML): every problem is reported at once as {@code file:line: message},
 * unknown keys are refused (with the keys known there). See src/response-plan.md for the format.
 *
 * <p>Checks: the plan's name; contacts are exactly one of person, team or rota, a rota's members are persons, teams do
 * not contain themselves; every contact, obligation and class a plan names exists; class names (and step, obligation,
 * drill and contact ids) are unique and URL-safe; the last class is the default class and is the only one without
 * {@code match}; escalation {@code after} strictly ascending; <b>evidence before containment</b> (a playbook step that
 * pauses, isolates or kills comes after a SNAPSHOT_EVIDENCE step); reminders come before the deadline; a drill can pass
 * within its timeout.
 */
public final class PlanLoader {
    /** Durations: a run of number+unit ({@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h30m}, {@code 7d}) or ISO-8601 ({@code PT15M}). */
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    /** Ids appear in URLs (/plan/steps/{id}) and in notification ids: letters, digits, dot, dash, underscore. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern TECHNIQUE = Pattern.compile("T\\d{4}(\\.\\d{3})?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    /** MITRE ATT&CK Enterprise tactics by short name (the names incidents carry). */
    public static final List<String> TACTICS = List.of("reconnaissance", "resource-development", "initial-access",
            "execution", "persistence", "privilege-escalation", "defense-evasion", "credential-access", "discovery",
            "lateral-movement", "collection", "command-and-control", "exfiltration", "impact");
    /** Actions that contain a container: each must come after a SNAPSHOT_EVIDENCE step. */
    public static final Set<ResponseAction> CONTAINING = Set.of(ResponseAction.PAUSE_CONTAINER,
            ResponseAction.ISOLATE_NETWORK, ResponseAction.KILL_CONTAINER);
    /** A drill's timeout when the file gives none. */
    public static final Duration DEFAULT_DRILL_TIMEOUT = Duration.ofMinutes(5);
    /** How far off its timer an escalation may fire in a drill, when the file does not say. */
    public static final Duration DEFAULT_ESCALATION_TOLERANCE = Duration.ofSeconds(5);

    private static final List<String> TOP = List.of("plan", "contacts", "classes", "obligations", "drills");
    private static final List<String> PERSON = List.of("person", "email", "handle");
    private static final List<String> TEAM = List.of("team", "email", "handle", "members");
    private static final List<String> ROTA = List.of("rota", "name", "shift", "start");
    private static final List<String> CLASS = List.of("name", "title", "match", "lead", "channels", "playbook",
            "escalation", "obligations");
    private static final List<String> MATCH = List.of("rules", "tags", "tactics", "mitre", "severity", "namespaces");
    private static final List<String> STEP = List.of("id", "title", "action");
    private static final List<String> TIER = List.of("after", "notify", "channels");
    private static final List<String> OBLIGATION = List.of("id", "title", "when", "due", "remind", "notify", "channels");
    private static final List<String> DRILL = List.of("name", "attack", "every", "acknowledgeAfter", "timeout", "pass");
    private static final List<String> PASS = List.of("class", "detectWithin", "containWithin", "acknowledgeWithin",
            "escalationTolerance");

    private static final ObjectMapper YAML = new ObjectMapper(
            new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private PlanLoader() {
    }

    /** Reads {@code file}; a missing or unreadable file is a {@link PlanException} too. */
    public static ResponsePlan load(Path file) throws IOException, PlanException {
        return parse(read(file), file.toString());
    }

    /** Parses a plan from its text; the version is the sha256 of its UTF-8 bytes. */
    public static ResponsePlan parse(String yaml, String fileName) throws PlanException {
        return parse(yaml.getBytes(StandardCharsets.UTF_8), fileName);
    }

    /** Parses a plan from the file's bytes (UTF-8); the version is the first 12 hex digits of their sha256. */
    public static ResponsePlan parse(byte[] bytes, String fileName) throws PlanException {
        String yaml;
        try {
            yaml = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new PlanException(List.of(fileName + ": not UTF-8 text"));
        }
        Reader reader = new Reader(fileName, yaml);
        ResponsePlan plan = reader.read(version(bytes));
        if (!reader.problems.isEmpty() || plan == null) {
            throw new PlanException(reader.messages());
        }
        return plan;
    }

    /**
     * The channel names a plan file uses that are not in {@code known} (the notifiers' names), each as
     * {@code file:line: message}; empty when every channel exists. The file must be a valid plan.
     */
    public static List<String> checkChannels(Path file, Collection<String> known) throws IOException, PlanException {
        byte[] bytes = read(file);
        parse(bytes, file.toString());
        return checkChannels(new String(bytes, StandardCharsets.UTF_8), file.toString(), known);
    }

    /** As {@link #checkChannels(Path, Collection)}, for a plan's text (read with {@link #parse} first). */
    public static List<String> checkChannels(String yaml, String fileName, Collection<String> known) throws PlanException {
        Reader reader = new Reader(fileName, yaml);
        JsonNode root = reader.tree();
        if (root == null) {
            throw new PlanException(reader.messages());
        }
        Set<String> names = new TreeSet<>(known);
        String hint = names.isEmpty() ? "the notifiers file defines none" : "known: " + String.join(", ", names);
        List<String> pointers = new ArrayList<>();
        JsonNode classes = root.path("classes");
        for (int i = 0; i < classes.size(); i++) {
            pointers.add("/classes/" + i + "/channels");
            JsonNode tiers = classes.get(i).path("escalation");
            for (int t = 0; t < tiers.size(); t++) {
                pointers.add("/classes/" + i + "/escalation/" + t + "/channels");
            }
        }
        JsonNode obligations = root.path("obligations");
        for (int i = 0; i < obligations.size(); i++) {
            pointers.add("/obligations/" + i + "/channels");
        }
        for (String pointer : pointers) {
            JsonNode list = root.at(pointer);
            List<JsonNode> items = list.isArray() ? iterable(list) : list.isValueNode() ? List.of(list) : List.of();
            for (int j = 0; j < items.size(); j++) {
                String channel = items.get(j).asText();
                if (!names.contains(channel)) {
                    reader.problem(list.isArray() ? pointer + "/" + j : pointer,
                            "channel \"" + channel + "\" is not a notifier's name (" + hint + ")" + suggestion(channel, names));
                }
            }
        }
        return reader.messages();
    }

    /** Parses a duration as the plan file writes it: {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, {@code 72h}, {@code 7d}, {@code 1h30m} or ISO-8601 {@code PT15M}. */
    public static Duration parseDuration(String text) {
        String value = text == null ? "" : text.strip();
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty duration");
        }
        if (value.charAt(0) == 'P' || value.charAt(0) == 'p') {
            try {
                Duration d = Duration.parse(value);
                if (d.isNegative()) {
                    throw new IllegalArgumentException("\"" + value + "\" is negative");
                }
                return d;
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("\"" + value + "\" is not an ISO-8601 duration (e.g. PT15M)");
            }
        }
        if (value.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION_PART.matcher(value);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < value.length()) {
            if (!m.find(at) || m.start() != at) {
                String unit = value.matches("\\d+") ? ": give a unit, e.g. " + value + "s or " + value + "m" : "";
                throw new IllegalArgumentException("\"" + value + "\" is not a duration (500ms, 30s, 15m, 1h, 7d or PT15M)" + unit);
            }
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + value + "\" is too long a duration");
            }
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            at = m.end();
        }
        return total;
    }

    /** A duration the way a plan file would write it ({@code 15m}, {@code 1h30m}, {@code 72h}, {@code 7d}, {@code 500ms}). */
    public static String formatDuration(Duration d) {
        if (d == null) {
            return "-";
        }
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L, 1L};
        String[] units = {"d", "h", "m", "s", "ms"};
        // whole weeks in days (7d, 14d); anything else from hours down (72h, 24h, 1h30m), as plans write them
        int first = ms % (7 * 86_400_000L) == 0 ? 0 : 1;
        for (int i = first; i < sizes.length; i++) {
            if (ms >= sizes[i]) {
                out.append(ms / sizes[i]).append(units[i]);
                ms %= sizes[i];
            }
        }
        return out.toString();
    }

    private static byte[] read(Path file) throws IOException, PlanException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PlanException(List.of(file + ": plan file not found"));
        }
    }

    static String version(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /** " (did you mean X?)" for a near miss among {@code known}, else "". */
    static String suggestion(String value, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(value.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        if (best == null) {
            return "";
        }
        String v = value.toLowerCase(Locale.ROOT);
        String b = best.toLowerCase(Locale.ROOT);
        boolean near = bestDistance <= (value.length() >= 5 ? 2 : value.length() >= 3 ? 1 : 0)
                || (Math.min(v.length(), b.length()) >= 4 && (v.startsWith(b) || b.startsWith(v)));
        return near ? " (did you mean \"" + best + "\"?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    /** One reading of one file: the problems found so far, with their lines. */
    private static final class Reader {
        private record Problem(int line, int order, String message) {
        }

        private final String file;
        private final String yaml;
        private final List<Problem> problems = new ArrayList<>();
        private Map<String, Integer> lines = Map.of();

        Reader(String file, String yaml) {
            this.file = file;
            this.yaml = yaml;
        }

        List<String> messages() {
            return problems.stream().sorted(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::order))
                    .map(p -> file + (p.line() > 0 ? ":" + p.line() : "") + ": " + p.message()).toList();
        }

        void problem(String pointer, String message) {
            problems.add(new Problem(YamlLines.lineOf(lines, pointer), problems.size(), message));
        }

        void problemAt(int line, String message) {
            problems.add(new Problem(line, problems.size(), message));
        }

        /** The document, or null after reporting why it does not parse. */
        JsonNode tree() {
            JsonNode root;
            try {
                root = YAML.readTree(yaml);
            } catch (JsonProcessingException e) {
                YamlLines.SyntaxError error = YamlLines.syntaxError(e);
                problemAt(error.line(), error.message());
                return null;
            }
            lines = YamlLines.byPointer(yaml);
            if (root == null || root.isMissingNode() || root.isNull()) {
                problemAt(1, "the plan file is empty (expected plan:, contacts:, classes:, ...)");
                return null;
            }
            if (!root.isObject()) {
                problem("", "a plan is a mapping with plan:, contacts:, classes:, obligations: and drills:");
                return null;
            }
            return root;
        }

        // ---- the plan ----

        ResponsePlan read(String version) {
            JsonNode root = tree();
            if (root == null) {
                return null;
            }
            keys(root, "", TOP, "at the top of a plan");
            String name = text(root, "plan", "", true);
            if (name != null && name.isBlank()) {
                problem("/plan", "\"plan\" (the plan's name) is empty");
            }
            Map<String, Contact> contacts = contacts(root);
            Set<String> obligationIds = new LinkedHashSet<>();
            JsonNode obligationsNode = root.get("obligations");
            if (obligationsNode != null && obligationsNode.isArray()) {
                for (JsonNode o : obligationsNode) {
                    if (o.isObject() && o.path("id").isValueNode()) {
                        obligationIds.add(o.path("id").asText());
                    }
                }
            }
            List<Obligation> obligations = obligations(root, contacts);
            Set<String> listed = new HashSet<>();
            List<IncidentClass> classes = classes(root, contacts, obligationIds, listed);
            for (int i = 0; i < obligations.size(); i++) {
                Obligation o = obligations.get(i);
                if (o != null && o.when() == null && !listed.contains(o.id())) {
                    problem("/obligations/" + i + "/id", "obligation \"" + o.id()
                            + "\" applies to nothing: no class lists it under obligations and it has no \"when\"");
                }
            }
            List<Drill> drills = drills(root, classes);
            if (!problems.isEmpty() || name == null) {
                return null;
            }
            return new ResponsePlan(name, version, file, contacts, classes, obligations, drills);
        }

        // ---- contacts ----

        private Map<String, Contact> contacts(JsonNode root) {
            Map<String, Contact> contacts = new LinkedHashMap<>();
            JsonNode node = root.get("contacts");
            if (node == null || node.isNull()) {
                problem("", "missing \"contacts\": the people, teams and rotas the plan names (id: {person: ...})");
                return contacts;
            }
            if (!node.isObject()) {
                problem("/contacts", "\"contacts\" must be a mapping of contact id to {person: ...}, {team: ...} or {rota: ...}");
                return contacts;
            }
            Map<String, String> pointers = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String id = entry.getKey();
                String at = "/contacts/" + escape(id);
                pointers.put(id, at);
                checkId(id, at, "contact id");
                JsonNode c = entry.getValue();
                if (!c.isObject()) {
                    problem(at, "contact \"" + id + "\" must be a mapping: {person: NAME, email: ...}, {team: NAME, members: [...]} or {rota: [...], shift: 7d, start: ...}");
                    continue;
                }
                List<String> kinds = List.of("person", "team", "rota").stream().filter(c::has).toList();
                if (kinds.size() != 1) {
                    String hint = "";
                    for (Iterator<String> keys = c.fieldNames(); kinds.isEmpty() && keys.hasNext() && hint.isEmpty(); ) {
                        String key = keys.next();
                        hint = suggestion(key, List.of("person", "team", "rota"));
                        hint = hint.isEmpty() ? "" : " (\"" + key + "\": " + hint.substring(2, hint.length() - 1) + ")";
                    }
                    problem(at, "contact \"" + id + "\" must be exactly one of person, team or rota"
                            + (kinds.isEmpty() ? hint : " (it has " + String.join(" and ", kinds) + ")"));
                    continue;
                }
                switch (kinds.get(0)) {
                    case "person" -> {
                        keys(c, at, PERSON, "for a person");
                        String name = nonBlank(text(c, "person", at, true), at + "/person", "person");
                        String email = email(c, at);
                        String handle = text(c, "handle", at, false);
                        contacts.put(id, new Contact(id, Contact.Kind.PERSON, name, email, handle, List.of(), null, null));
                    }
                    case "team" -> {
                        keys(c, at, TEAM, "for a team");
                        String name = nonBlank(text(c, "team", at, true), at + "/team", "team");
                        String email = email(c, at);
                        String handle = text(c, "handle", at, false);
                        List<String> members = names(c, "members", at);
                        if (members.isEmpty() && email == null && handle == null) {
                            problem(at, "team \"" + id + "\" has no members, email or handle: nobody could be told");
                        }
                        contacts.put(id, new Contact(id, Contact.Kind.TEAM, name, email, handle, members, null, null));
                    }
                    default -> {
                        keys(c, at, ROTA, "for a rota");
                        List<String> members = names(c, "rota", at);
                        if (members.isEmpty()) {
                            problem(at + "/rota", "rota \"" + id + "\" has no members: list the persons who take turns (rota: [alice, bob])");
                        }
                        Duration shift = duration(c, "shift", at, true);
                        if (shift != null && shift.isZero()) {
                            problem(at + "/shift", "rota \"" + id + "\": shift must be longer than 0");
                        }
                        Instant start = instant(c, "start", at);
                        if (start == null && c.get("start") == null && members.size() > 1) {
                            problem(at, "rota \"" + id + "\": missing \"start\", when the first member's first shift begins (e.g. start: \"2026-01-05T09:00:00Z\")");
                        }
                        String name = text(c, "name", at, false);
                        contacts.put(id, new Contact(id, Contact.Kind.ROTA, name == null ? id : name, null, null,
                                members, start, shift));
                    }
                }
            }
            // members exist; a rota's are persons; teams do not contain themselves
            for (Contact c : contacts.values()) {
                String at = pointers.get(c.id());
                String list = c.kind() == Contact.Kind.ROTA ? "rota" : "members";
                for (int i = 0; i < c.members().size(); i++) {
                    String m = c.members().get(i);
                    String where = at + "/" + list + "/" + i;
                    Contact member = contacts.get(m);
                    if (member == null) {
                        if (!pointers.containsKey(m)) {
                            problem(where, "\"" + m + "\" is not a contact" + suggestion(m, pointers.keySet()));
                        }
                    } else if (c.kind() == Contact.Kind.ROTA && member.kind() != Contact.Kind.PERSON) {
                        problem(where, "rota \"" + c.id() + "\": member \"" + m + "\" is a "
                                + member.kind().name().toLowerCase(Locale.ROOT) + "; a rota's members must be persons");
                    } else if (m.equals(c.id())) {
                        problem(where, "team \"" + c.id() + "\" lists itself as a member");
                    }
                }
                if (c.kind() == Contact.Kind.TEAM) {
                    List<String> cycle = cycle(c.id(), c.id(), contacts, new ArrayList<>(List.of(c.id())), new HashSet<>());
                    if (cycle != null && cycle.size() > 2) {
                        problem(at, "team \"" + c.id() + "\" contains itself: " + String.join(" -> ", cycle));
                    }
                }
            }
            return contacts;
        }

        private List<String> cycle(String target, String at, Map<String, Contact> contacts, List<String> path, Set<String> seen) {
            Contact c = contacts.get(at);
            if (c == null || c.kind() != Contact.Kind.TEAM || !seen.add(at)) {
                return null;
            }
            for (String m : c.members()) {
                if (m.equals(target)) {
                    List<String> found = new ArrayList<>(path);
                    found.add(m);
                    return found;
                }
                path.add(m);
                List<String> found = cycle(target, m, contacts, path, seen);
                if (found != null) {
                    return found;
                }
                path.remove(path.size() - 1);
            }
            return null;
        }

        private String email(JsonNode c, String at) {
            String email = text(c, "email", at, false);
            if (email != null && !EMAIL.matcher(email).matches()) {
                problem(at + "/email", "\"" + email + "\" is not an e-mail address");
            }
            return email;
        }

        private void contactRefs(List<String> ids, String at, String listKey, Map<String, Contact> contacts, JsonNode owner) {
            JsonNode list = owner.get(listKey);
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                if (!contacts.containsKey(id)) {
                    problem(list != null && list.isArray() ? at + "/" + listKey + "/" + i : at + "/" + listKey,
                            "\"" + id + "\" is not a contact" + known(id, contacts.keySet()));
                }
            }
        }

        private String known(String value, Collection<String> known) {
            String hint = suggestion(value, known);
            return hint.isEmpty() ? (known.isEmpty() ? "" : " (contacts: " + String.join(", ", known) + ")") : hint;
        }

        // ---- classes ----

        private List<IncidentClass> classes(JsonNode root, Map<String, Contact> contacts, Set<String> obligationIds,
                                            Set<String> listedObligations) {
            List<IncidentClass> classes = new ArrayList<>();
            JsonNode node = root.get("classes");
            if (node == null || node.isNull()) {
                problem("", "missing \"classes\": at least the default class (the last one, without match)");
                return classes;
            }
            if (!node.isArray() || node.isEmpty()) {
                problem("/classes", "\"classes\" must be a list of incident classes, the last being the default class (without match)");
                return classes;
            }
            Set<String> names = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                String at = "/classes/" + i;
                JsonNode c = node.get(i);
                boolean last = i == node.size() - 1;
                if (!c.isObject()) {
                    problem(at, "a class is a mapping (name, match, lead, channels, playbook, escalation, obligations)");
                    continue;
                }
                keys(c, at, CLASS, "for a class");
                String name = text(c, "name", at, true);
                if (name != null) {
                    checkId(name, at + "/name", "class name");
                    if (!names.add(name)) {
                        problem(at + "/name", "a class named \"" + name + "\" is already defined");
                    }
                }
                String label = "class \"" + (name == null ? "#" + (i + 1) : name) + "\"";
                String title = text(c, "title", at, false);
                Match match = null;
                if (c.has("match")) {
                    match = match(c.get("match"), at + "/match");
                    if (last) {
                        problem(at + "/match", label + " is the last class, the default: it must not have a match "
                                + "(it takes every incident no other class matched); add a default class without match after it");
                    }
                } else if (!last) {
                    problem(at, label + " has no match: only the last class (the default) may omit it, "
                            + "or the classes after it could never be chosen");
                }
                String lead = text(c, "lead", at, true);
                if (lead != null && !contacts.containsKey(lead)) {
                    problem(at + "/lead", label + ": lead \"" + lead + "\" is not a contact" + known(lead, contacts.keySet()));
                }
                List<String> channels = names(c, "channels", at);
                List<Step> playbook = playbook(c, at, label);
                List<EscalationTier> escalation = escalation(c, at, label, contacts, channels);
                List<String> obligations = names(c, "obligations", at);
                JsonNode obligationList = c.get("obligations");
                for (int j = 0; j < obligations.size(); j++) {
                    String id = obligations.get(j);
                    listedObligations.add(id);
                    if (!obligationIds.contains(id)) {
                        problem(obligationList.isArray() ? at + "/obligations/" + j : at + "/obligations",
                                label + ": \"" + id + "\" is not an obligation"
                                        + (obligationIds.isEmpty() ? " (the plan defines none under obligations:)"
                                        : suggestion(id, obligationIds).isEmpty() ? " (obligations: " + String.join(", ", obligationIds) + ")"
                                        : suggestion(id, obligationIds)));
                    }
                }
                classes.add(new IncidentClass(name, title == null ? name : title, match, lead, channels, playbook,
                        escalation, obligations));
            }
            return classes;
        }

        private Match match(JsonNode m, String at) {
            if (m == null || !m.isObject()) {
                problem(at, "\"match\" must be a mapping of rules, tags, tactics, mitre, severity and namespaces");
                return null;
            }
            keys(m, at, MATCH, "in a match");
            if (m.isEmpty()) {
                problem(at, "\"match\" is empty: it would match every incident; give rules, tags, tactics, mitre, severity or namespaces");
            }
            List<String> rules = names(m, "rules", at);
            List<String> tags = names(m, "tags", at);
            List<String> tactics = names(m, "tactics", at);
            for (int i = 0; i < tactics.size(); i++) {
                if (!TACTICS.contains(tactics.get(i))) {
                    problem(itemPointer(m, "tactics", at, i), "\"" + tactics.get(i) + "\" is not an ATT&CK tactic"
                            + suggestion(tactics.get(i), TACTICS) + "; tactics: " + String.join(", ", TACTICS));
                }
            }
            List<String> mitre = new ArrayList<>();
            List<String> given = names(m, "mitre", at);
            for (int i = 0; i < given.size(); i++) {
                String t = given.get(i).toUpperCase(Locale.ROOT);
                if (!TECHNIQUE.matcher(t).matches()) {
                    problem(itemPointer(m, "mitre", at, i), "\"" + given.get(i) + "\" is not an ATT&CK technique id (T1098 or T1098.004)");
                }
                mitre.add(t);
            }
            Severity severity = null;
            String s = text(m, "severity", at, false);
            if (s != null) {
                try {
                    severity = Severity.valueOf(s.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    problem(at + "/severity", "unknown severity \"" + s + "\": INFO, LOW, MEDIUM, HIGH or CRITICAL (the least severity)");
                }
            }
            List<String> namespaces = names(m, "namespaces", at);
            return new Match(rules, tags, tactics, mitre, severity, namespaces);
        }

        private String itemPointer(JsonNode owner, String key, String at, int i) {
            return owner.path(key).isArray() ? at + "/" + key + "/" + i : at + "/" + key;
        }

        private List<Step> playbook(JsonNode c, String at, String label) {
            List<Step> steps = new ArrayList<>();
            JsonNode node = c.get("playbook");
            if (node == null || node.isNull()) {
                return steps;
            }
            if (!node.isArray()) {
                problem(at + "/playbook", label + ": \"playbook\" must be a list of steps ({id, title, action})");
                return steps;
            }
            Set<String> ids = new HashSet<>();
            boolean evidence = false;
            for (int i = 0; i < node.size(); i++) {
                String sat = at + "/playbook/" + i;
                JsonNode s = node.get(i);
                if (!s.isObject()) {
                    problem(sat, label + ": a playbook step is a mapping {id, title, action}");
                    continue;
                }
                keys(s, sat, STEP, "for a playbook step");
                String id = text(s, "id", sat, true);
                if (id != null) {
                    checkId(id, sat + "/id", "step id");
                    if (!ids.add(id)) {
                        problem(sat + "/id", label + ": a step \"" + id + "\" is already in the playbook");
                    }
                }
                String title = text(s, "title", sat, true);
                ResponseAction action = null;
                String a = text(s, "action", sat, false);
                if (a != null) {
                    try {
                        action = ResponseAction.valueOf(a.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        List<String> known = Arrays.stream(ResponseAction.values()).map(Enum::name).toList();
                        problem(sat + "/action", "unknown action \"" + a + "\"" + suggestion(a.toUpperCase(Locale.ROOT), known)
                                + "; actions: " + String.join(", ", known));
                    }
                }
                if (action == ResponseAction.SNAPSHOT_EVIDENCE) {
                    evidence = true;
                } else if (action != null && CONTAINING.contains(action) && !evidence) {
                    problem(sat, label + ": step \"" + id + "\" (" + action + ") contains the container before its "
                            + "evidence is preserved: evidence before containment, put a step with action: SNAPSHOT_EVIDENCE before it");
                }
                steps.add(new Step(id, title, action));
            }
            return steps;
        }

        private List<EscalationTier> escalation(JsonNode c, String at, String label, Map<String, Contact> contacts,
                                                List<String> classChannels) {
            List<EscalationTier> tiers = new ArrayList<>();
            JsonNode node = c.get("escalation");
            if (node == null || node.isNull()) {
                return tiers;
            }
            if (!node.isArray()) {
                problem(at + "/escalation", label + ": \"escalation\" must be a list of tiers ({after, notify, channels})");
                return tiers;
            }
            Duration previous = null;
            for (int i = 0; i < node.size(); i++) {
                String tat = at + "/escalation/" + i;
                JsonNode t = node.get(i);
                if (!t.isObject()) {
                    problem(tat, label + ": an escalation tier is a mapping {after, notify, channels}");
                    continue;
                }
                keys(t, tat, TIER, "for an escalation tier");
                Duration after = duration(t, "after", tat, true);
                if (after != null && previous != null && after.compareTo(previous) <= 0) {
                    problem(tat + "/after", label + ": tier " + (i + 1) + " after " + formatDuration(after)
                            + " must come later than tier " + i + " (" + formatDuration(previous) + "): escalation is strictly ascending");
                }
                if (after != null) {
                    previous = after;
                }
                List<String> notify = names(t, "notify", tat);
                if (notify.isEmpty() && (t.get("notify") == null || t.get("notify").isNull())) {
                    problem(tat, label + ": tier " + (i + 1) + " has no \"notify\": the contacts to tell");
                } else if (notify.isEmpty()) {
                    problem(tat + "/notify", label + ": tier " + (i + 1) + ": \"notify\" is empty");
                }
                contactRefs(notify, tat, "notify", contacts, t);
                List<String> channels = t.has("channels") ? names(t, "channels", tat) : classChannels;
                if (channels.isEmpty()) {
                    problem(t.has("channels") ? tat + "/channels" : tat, label + ": tier " + (i + 1)
                            + " has no channels and the class names none: give channels: [...]");
                }
                tiers.add(new EscalationTier(i + 1, after == null ? Duration.ZERO : after, notify, channels));
            }
            return tiers;
        }

        // ---- obligations ----

        private List<Obligation> obligations(JsonNode root, Map<String, Contact> contacts) {
            List<Obligation> obligations = new ArrayList<>();
            JsonNode node = root.get("obligations");
            if (node == null || node.isNull()) {
                return obligations;
            }
            if (!node.isArray()) {
                problem("/obligations", "\"obligations\" must be a list ({id, title, due, remind, notify, channels})");
                return obligations;
            }
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                String at = "/obligations/" + i;
                JsonNode o = node.get(i);
                if (!o.isObject()) {
                    problem(at, "an obligation is a mapping {id, title, when, due, remind, notify, channels}");
                    obligations.add(null);
                    continue;
                }
                keys(o, at, OBLIGATION, "for an obligation");
                String id = text(o, "id", at, true);
                if (id != null) {
                    checkId(id, at + "/id", "obligation id");
                    if (!ids.add(id)) {
                        problem(at + "/id", "an obligation \"" + id + "\" is already defined");
                    }
                }
                String label = "obligation \"" + (id == null ? "#" + (i + 1) : id) + "\"";
                String title = text(o, "title", at, true);
                Match when = o.has("when") ? match(o.get("when"), at + "/when") : null;
                Duration due = duration(o, "due", at, true);
                if (due != null && due.isZero()) {
                    problem(at + "/due", label + ": due must be later than detection (more than 0)");
                }
                List<Duration> remind = new ArrayList<>();
                JsonNode remindNode = o.get("remind");
                if (remindNode != null && !remindNode.isNull()) {
                    List<JsonNode> items = remindNode.isArray() ? iterable(remindNode) : List.of(remindNode);
                    for (int j = 0; j < items.size(); j++) {
                        String rat = remindNode.isArray() ? at + "/remind/" + j : at + "/remind";
                        Duration d = durationValue(items.get(j), rat, "remind");
                        if (d == null) {
                            continue;
                        }
                        if (d.isZero()) {
                            problem(rat, label + ": a reminder 0 before the deadline is the deadline itself (it is told as overdue then)");
                        } else if (due != null && d.compareTo(due) >= 0) {
                            problem(rat, label + ": reminder " + formatDuration(d) + " before the deadline is not after detection (due "
                                    + formatDuration(due) + ")");
                        } else if (remind.contains(d)) {
                            problem(rat, label + ": reminder " + formatDuration(d) + " is listed twice");
                        }
                        remind.add(d);
                    }
                }
                List<String> notify = names(o, "notify", at);
                if (notify.isEmpty()) {
                    problem(o.has("notify") ? at + "/notify" : at, label + ": \"notify\" is missing or empty: the contacts to remind");
                }
                contactRefs(notify, at, "notify", contacts, o);
                List<String> channels = names(o, "channels", at);
                if (channels.isEmpty()) {
                    problem(o.has("channels") ? at + "/channels" : at, label + ": \"channels\" is missing or empty");
                }
                obligations.add(new Obligation(id, title, when, due, remind.stream().sorted(Comparator.reverseOrder()).toList(),
                        notify, channels));
            }
            return obligations;
        }

        // ---- drills ----

        private List<Drill> drills(JsonNode root, List<IncidentClass> classes) {
            List<Drill> drills = new ArrayList<>();
            JsonNode node = root.get("drills");
            if (node == null || node.isNull()) {
                return drills;
            }
            if (!node.isArray()) {
                problem("/drills", "\"drills\" must be a list ({name, attack, every, timeout, pass})");
                return drills;
            }
            Set<String> classNames = classes.stream().map(IncidentClass::name).filter(n -> n != null)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
            Set<String> names = new HashSet<>();
            for (int i = 0; i < node.size(); i++) {
                String at = "/drills/" + i;
                JsonNode d = node.get(i);
                if (!d.isObject()) {
                    problem(at, "a drill is a mapping {name, attack, every, acknowledgeAfter, timeout, pass}");
                    continue;
                }
                keys(d, at, DRILL, "for a drill");
                String name = text(d, "name", at, true);
                if (name != null) {
                    checkId(name, at + "/name", "drill name");
                    if (!names.add(name)) {
                        problem(at + "/name", "a drill named \"" + name + "\" is already defined");
                    }
                }
                String label = "drill \"" + (name == null ? "#" + (i + 1) : name) + "\"";
                String attack = text(d, "attack", at, true);
                Duration every = duration(d, "every", at, false);
                if (every != null && every.isZero()) {
                    problem(at + "/every", label + ": every must be more than 0 (omit it for a drill run on demand)");
                }
                Duration ackAfter = duration(d, "acknowledgeAfter", at, false);
                Duration timeout = duration(d, "timeout", at, false);
                if (timeout == null && !d.has("timeout")) {
                    timeout = DEFAULT_DRILL_TIMEOUT;
                } else if (timeout != null && timeout.isZero()) {
                    problem(at + "/timeout", label + ": timeout must be more than 0");
                }
                JsonNode pass = d.get("pass");
                String pat = at + "/pass";
                String expectClass = null;
                Duration detect = null;
                Duration contain = null;
                Duration ack = null;
                Duration tolerance = null;
                if (pass == null || pass.isNull()) {
                    problem(at, label + ": missing \"pass\": what counts as passing (at least detectWithin)");
                } else if (!pass.isObject()) {
                    problem(pat, label + ": \"pass\" must be a mapping (class, detectWithin, containWithin, acknowledgeWithin, escalationTolerance)");
                } else {
                    keys(pass, pat, PASS, "in a drill's pass");
                    expectClass = text(pass, "class", pat, false);
                    if (expectClass != null && !classNames.contains(expectClass)) {
                        problem(pat + "/class", label + ": \"" + expectClass + "\" is not a class of the plan"
                                + (suggestion(expectClass, classNames).isEmpty() ? " (classes: " + String.join(", ", classNames) + ")"
                                : suggestion(expectClass, classNames)));
                    }
                    detect = duration(pass, "detectWithin", pat, true);
                    contain = duration(pass, "containWithin", pat, false);
                    ack = duration(pass, "acknowledgeWithin", pat, false);
                    tolerance = duration(pass, "escalationTolerance", pat, false);
                    if (tolerance == null && !pass.has("escalationTolerance")) {
                        tolerance = DEFAULT_ESCALATION_TOLERANCE;
                    }
                    if (timeout != null) {
                        for (String key : List.of("detectWithin", "containWithin", "acknowledgeWithin")) {
                            Duration v = switch (key) {
                                case "detectWithin" -> detect;
                                case "containWithin" -> contain;
                                default -> ack;
                            };
                            if (v != null && v.compareTo(timeout) > 0) {
                                problem(pat + "/" + key, label + ": " + key + " " + formatDuration(v) + " is longer than the timeout ("
                                        + formatDuration(timeout) + "): the drill ends before it could pass");
                            }
                        }
                    }
                    if (ack != null && ackAfter != null && ackAfter.compareTo(ack) > 0) {
                        problem(at + "/acknowledgeAfter", label + ": the drill acknowledges after " + formatDuration(ackAfter)
                                + " but pass wants an acknowledgement within " + formatDuration(ack) + ": it could never pass");
                    }
                }
                if (ackAfter != null && timeout != null && ackAfter.compareTo(timeout) >= 0) {
                    problem(at + "/acknowledgeAfter", label + ": acknowledgeAfter " + formatDuration(ackAfter)
                            + " is not before the timeout (" + formatDuration(timeout) + ")");
                }
                drills.add(new Drill(name, attack, every, ackAfter, timeout, expectClass, detect, contain, ack, tolerance));
            }
            return drills;
        }

        // ---- values ----

        private void keys(JsonNode node, String at, List<String> known, String where) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    problem(at + "/" + escape(key), "unknown key \"" + key + "\" " + where + suggestion(key, known)
                            + "; known here: " + String.join(", ", known));
                }
            }
        }

        private String nonBlank(String value, String pointer, String key) {
            if (value != null && value.isBlank()) {
                problem(pointer, "\"" + key + "\" (the name) is empty");
            }
            return value;
        }

        private void checkId(String id, String pointer, String what) {
            if (!ID.matcher(id).matches()) {
                problem(pointer, what + " \"" + id + "\" may hold only letters, digits, '.', '-' and '_' (and starts with a letter or digit)");
            }
        }

        /** A string value; numbers are read as text, booleans (YAML's unquoted yes/no/on/off) refused with a hint. */
        private String text(JsonNode owner, String key, String at, boolean required) {
            JsonNode value = owner.get(key);
            String pointer = at + "/" + key;
            if (value == null || value.isNull()) {
                if (required) {
                    problem(value == null ? at : pointer, "missing \"" + key + "\"");
                }
                return null;
            }
            if (value.isBoolean()) {
                problem(pointer, "\"" + key + "\" must be a string, and YAML reads on/off/yes/no/true/false as true or false: quote it");
                return null;
            }
            if (!value.isValueNode()) {
                problem(pointer, "\"" + key + "\" must be a string");
                return null;
            }
            return value.asText();
        }

        /** A list of names (or one name). */
        private List<String> names(JsonNode owner, String key, String at) {
            JsonNode value = owner.get(key);
            List<String> out = new ArrayList<>();
            if (value == null || value.isNull()) {
                return out;
            }
            List<JsonNode> items = value.isArray() ? iterable(value) : value.isValueNode() ? List.of(value) : null;
            if (items == null) {
                problem(at + "/" + key, "\"" + key + "\" must be a list of names");
                return out;
            }
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                String pointer = value.isArray() ? at + "/" + key + "/" + i : at + "/" + key;
                if (item.isBoolean()) {
                    problem(pointer, "\"" + key + "\": YAML reads on/off/yes/no/true/false as true or false: quote it");
                } else if (!item.isValueNode() || item.isNull() || item.asText().isBlank()) {
                    problem(pointer, "\"" + key + "\" must be a list of names");
                } else {
                    out.add(item.asText());
                }
            }
            return out;
        }

        private Duration duration(JsonNode owner, String key, String at, boolean required) {
            JsonNode value = owner.get(key);
            if (value == null || value.isNull()) {
                if (required) {
                    problem(value == null ? at : at + "/" + key, "missing \"" + key + "\" (a duration: 30s, 15m, 1h, 7d)");
                }
                return null;
            }
            return durationValue(value, at + "/" + key, key);
        }

        private Duration durationValue(JsonNode value, String pointer, String key) {
            if (!value.isValueNode() || value.isBoolean() || value.isNull()) {
                problem(pointer, "\"" + key + "\" must be a duration (500ms, 30s, 15m, 1h, 7d or PT15M)");
                return null;
            }
            try {
                return parseDuration(value.asText());
            } catch (IllegalArgumentException e) {
                problem(pointer, "\"" + key + "\": " + e.getMessage());
                return null;
            }
        }

        private Instant instant(JsonNode owner, String key, String at) {
            String text = text(owner, key, at, false);
            if (text == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(text.strip()).toInstant();
            } catch (DateTimeParseException e) {
                problem(at + "/" + key, "\"" + key + "\": \"" + text + "\" is not a time with its offset (e.g. \"2026-01-05T09:00:00Z\")");
                return null;
            }
        }
    }
}
