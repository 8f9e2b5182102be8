package io.driftwatch.rules.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.PlanRecipient;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.Severity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan file: what it reads into, and every check with its exact file:line. */
class PlanLoaderTest {
    /** The spec's plan (SPEC.md of issue 20), as a team would write it. */
    static final String SPEC_PLAN = """
            plan: acme-container-ir
            contacts:
              alice: {person: "Alice Ng", email: alice@example.com, handle: "@alice"}
              bob:   {person: "Bob Ode", email: bob@example.com}
              carol: {person: "Carol Diaz", email: ciso@example.com}
              secops-oncall: {rota: [alice, bob], shift: 7d, start: "2026-01-05T09:00:00Z"}
              platform-security: {team: "Platform security", email: platform-sec@example.com, members: [alice, bob]}
            classes:
              - name: credential-tampering
                title: Credentials or accounts changed in a container
                match: {rules: ["DW-FIM-02*"], tags: [credentials], tactics: [credential-access, persistence], mitre: [T1098],
                        severity: HIGH, namespaces: ["prod-*"]}
                lead: secops-oncall
                channels: [security-email, security-chat]
                playbook:
                  - {id: preserve, title: Snapshot the container's evidence, action: SNAPSHOT_EVIDENCE}
                  - {id: contain, title: Pause the container, action: PAUSE_CONTAINER}
                  - {id: rotate, title: Rotate every credential the container held}
                escalation:
                  - {after: 0m, notify: [secops-oncall], channels: [pager]}
                  - {after: 15m, notify: [platform-security], channels: [security-email]}
                  - {after: 1h, notify: [carol], channels: [security-email, sms]}
                obligations: [breach-72h]
              - name: default
                title: Other incidents
                lead: platform-security
                channels: [security-chat]
                playbook: [{id: triage, title: Triage the alerts}]
                escalation: [{after: 30m, notify: [platform-security], channels: [security-email]}]
            obligations:
              - id: breach-72h
                title: Notify the supervisory authority (GDPR art. 33)
                when: {tags: [personal-data]}
                due: 72h
                remind: [24h, 4h]
                notify: [platform-security, carol]
                channels: [security-email]
            drills:
              - name: weekly-credential-tamper
                attack: write-passwd
                every: 7d
                acknowledgeAfter: 20s
                timeout: 3m
                pass: {class: credential-tampering, detectWithin: 5s, containWithin: 30s, acknowledgeWithin: 60s,
                       escalationTolerance: 5s}
            """;

    /** A small valid plan that the check tests break one line at a time. */
    static final String SMALL = """
            plan: small
            contacts:
              alice: {person: Alice, email: alice@example.com}
              bob: {person: Bob}
              oncall: {rota: [alice, bob], shift: 1d, start: "2026-01-05T00:00:00Z"}
              team: {team: Team, members: [alice]}
            classes:
              - name: tamper
                match: {tags: [tampering]}
                lead: oncall
                channels: [chat]
                playbook:
                  - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}
                  - {id: contain, title: Pause, action: PAUSE_CONTAINER}
                escalation:
                  - {after: 0m, notify: [oncall]}
                  - {after: 15m, notify: [team], channels: [mail]}
                obligations: [report]
              - name: default
                lead: team
            obligations:
              - id: report
                title: Report it
                due: 72h
                remind: [24h]
                notify: [alice]
                channels: [mail]
            """;

    @TempDir
    Path dir;

    static ResponsePlan parse(String yaml) throws PlanException {
        return PlanLoader.parse(yaml, "plan.yaml");
    }

    static List<String> problems(String yaml) {
        PlanException e = assertThrows(PlanException.class, () -> parse(yaml));
        assertEquals(String.join("\n", e.problems()), e.getMessage());
        return e.problems();
    }

    static void assertProblems(String yaml, String... expected) {
        assertEquals(List.of(expected), problems(yaml));
    }

    // ---------------------------------------------------------------- reading

    @Test
    void readsTheSpecPlan() throws Exception {
        ResponsePlan plan = parse(SPEC_PLAN);
        assertEquals("acme-container-ir", plan.name());
        assertEquals(PlanLoader.version(SPEC_PLAN.getBytes(StandardCharsets.UTF_8)), plan.version());
        assertTrue(plan.version().matches("[0-9a-f]{12}"), plan.version());
        assertEquals("plan.yaml", plan.file());
        assertEquals(List.of("alice", "bob", "carol", "secops-oncall", "platform-security"), List.copyOf(plan.contacts().keySet()));

        Contact alice = plan.contacts().get("alice");
        assertEquals(new Contact("alice", Contact.Kind.PERSON, "Alice Ng", "alice@example.com", "@alice", List.of(), null, null), alice);
        Contact rota = plan.contacts().get("secops-oncall");
        assertEquals(Contact.Kind.ROTA, rota.kind());
        assertEquals(List.of("alice", "bob"), rota.members());
        assertEquals(Duration.ofDays(7), rota.shift());
        assertEquals(Instant.parse("2026-01-05T09:00:00Z"), rota.rotaStart());
        Contact team = plan.contacts().get("platform-security");
        assertEquals(Contact.Kind.TEAM, team.kind());
        assertEquals("Platform security", team.name());
        assertEquals("platform-sec@example.com", team.email());

        IncidentClass tamper = plan.classes().get(0);
        assertEquals("credential-tampering", tamper.name());
        assertEquals("Credentials or accounts changed in a container", tamper.title());
        assertEquals(new Match(List.of("DW-FIM-02*"), List.of("credentials"), List.of("credential-access", "persistence"),
                List.of("T1098"), Severity.HIGH, List.of("prod-*")), tamper.match());
        assertEquals("secops-oncall", tamper.lead());
        assertEquals(List.of("security-email", "security-chat"), tamper.channels());
        assertEquals(List.of(new Step("preserve", "Snapshot the container's evidence", ResponseAction.SNAPSHOT_EVIDENCE),
                new Step("contain", "Pause the container", ResponseAction.PAUSE_CONTAINER),
                new Step("rotate", "Rotate every credential the container held", null)), tamper.playbook());
        assertTrue(tamper.playbook().get(0).automated());
        assertFalse(tamper.playbook().get(2).automated());
        assertEquals(List.of(new EscalationTier(1, Duration.ZERO, List.of("secops-oncall"), List.of("pager")),
                new EscalationTier(2, Duration.ofMinutes(15), List.of("platform-security"), List.of("security-email")),
                new EscalationTier(3, Duration.ofHours(1), List.of("carol"), List.of("security-email", "sms"))), tamper.escalation());
        assertEquals(List.of("breach-72h"), tamper.obligations());

        IncidentClass fallback = plan.classes().get(1);
        assertNull(fallback.match());
        assertEquals("default", fallback.name());

        Obligation breach = plan.obligations().get(0);
        assertEquals(new Obligation("breach-72h", "Notify the supervisory authority (GDPR art. 33)",
                new Match(null, List.of("personal-data"), null, null, null, null), Duration.ofHours(72),
                List.of(Duration.ofHours(24), Duration.ofHours(4)), List.of("platform-security", "carol"),
                List.of("security-email")), breach);
        assertEquals(breach, plan.obligation("breach-72h"));

        assertEquals(new Drill("weekly-credential-tamper", "write-passwd", Duration.ofDays(7), Duration.ofSeconds(20),
                Duration.ofMinutes(3), "credential-tampering", Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofSeconds(60), Duration.ofSeconds(5)), plan.drill("weekly-credential-tamper"));
        assertEquals(List.of("pager", "security-chat", "security-email", "sms"), List.copyOf(plan.channels()));
    }

    @Test
    void theVersionIsTheFilesHashAndChangesWithIt() throws Exception {
        Path file = Files.writeString(dir.resolve("plan.yaml"), SMALL);
        ResponsePlan loaded = PlanLoader.load(file);
        assertEquals(file.toString(), loaded.file());
        // sha256("...") of the exact bytes, first 12 hex digits
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(file))).substring(0, 12);
        assertEquals(expected, loaded.version());
        ResponsePlan edited = parse(SMALL + "# a comment changes the version\n");
        assertFalse(edited.version().equals(loaded.version()));
    }

    @Test
    void windowsLineEndsAndAByteOrderMarkReadTheSame() throws Exception {
        byte[] crlf = ("\uFEFF" + SMALL.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8);
        ResponsePlan plan = PlanLoader.parse(crlf, "plan.yaml");
        assertEquals(parse(SMALL).classes(), plan.classes());
        assertEquals(PlanLoader.version(crlf), plan.version());
        PlanException e = assertThrows(PlanException.class, () -> PlanLoader.parse(
                ("\uFEFF" + SMALL.replace("lead: oncall", "lead: nobody").replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8), "plan.yaml"));
        assertEquals(List.of("plan.yaml:10: class \"tamper\": lead \"nobody\" is not a contact (contacts: alice, bob, oncall, team)"), e.problems());
        assertEquals(List.of("plan.yaml: not UTF-8 text"), assertThrows(PlanException.class,
                () -> PlanLoader.parse(new byte[] {'p', ':', ' ', (byte) 0xC3, (byte) 0x28}, "plan.yaml")).problems());
    }

    @Test
    void defaultsAreFilledWhereTheFileIsSilent() throws Exception {
        ResponsePlan plan = parse(SMALL + """
                drills:
                  - name: d
                    attack: write-passwd
                    pass: {detectWithin: 10s}
                """);
        IncidentClass tamper = plan.classes().get(0);
        assertEquals(List.of("chat"), tamper.escalation().get(0).channels(), "a tier without channels uses the class's");
        assertEquals(List.of("mail"), tamper.escalation().get(1).channels());
        assertEquals("default", plan.classes().get(1).title(), "the title defaults to the name");
        Drill drill = plan.drill("d");
        assertNull(drill.every());
        assertNull(drill.acknowledgeAfter());
        assertNull(drill.expectClass());
        assertEquals(PlanLoader.DEFAULT_DRILL_TIMEOUT, drill.timeout());
        assertEquals(PlanLoader.DEFAULT_ESCALATION_TOLERANCE, drill.escalationTolerance());
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), PlanLoader.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), PlanLoader.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(15), PlanLoader.parseDuration("15m"));
        assertEquals(Duration.ofHours(1), PlanLoader.parseDuration("1h"));
        assertEquals(Duration.ofHours(72), PlanLoader.parseDuration("72h"));
        assertEquals(Duration.ofDays(7), PlanLoader.parseDuration("7d"));
        assertEquals(Duration.ofMinutes(90), PlanLoader.parseDuration("1h30m"));
        assertEquals(Duration.ofMinutes(15), PlanLoader.parseDuration("PT15M"));
        assertEquals(Duration.ofDays(2), PlanLoader.parseDuration("P2D"));
        assertEquals(Duration.ZERO, PlanLoader.parseDuration("0m"));
        assertEquals(Duration.ZERO, PlanLoader.parseDuration("0"));
        for (String bad : List.of("", "15", "15 m", "1w", "m", "-5m", "PT-5M", "P", "1h 30m", "5M")) {
            assertThrows(IllegalArgumentException.class, () -> PlanLoader.parseDuration(bad), bad);
        }
        IllegalArgumentException noUnit = assertThrows(IllegalArgumentException.class, () -> PlanLoader.parseDuration("15"));
        assertTrue(noUnit.getMessage().contains("give a unit, e.g. 15s or 15m"), noUnit.getMessage());
        assertEquals("1h30m", PlanLoader.formatDuration(Duration.ofMinutes(90)));
        assertEquals("500ms", PlanLoader.formatDuration(Duration.ofMillis(500)));
        assertEquals("7d", PlanLoader.formatDuration(Duration.ofDays(7)));
        assertEquals("72h", PlanLoader.formatDuration(Duration.ofDays(3)));
        assertEquals("14d", PlanLoader.formatDuration(Duration.ofDays(14)));
        assertEquals("0s", PlanLoader.formatDuration(Duration.ZERO));
    }

    // ---------------------------------------------------------------- classify, obligations, rota, resolve

    private static IncidentFacts facts(List<String> rules, Set<String> tags, List<String> tactics, List<String> mitre,
                                       Severity severity, String namespace) {
        return new IncidentFacts(rules, tags, tactics, mitre, severity, namespace);
    }

    @Test
    void classifyTakesTheFirstMatchingClassElseTheDefault() throws Exception {
        ResponsePlan plan = parse("""
                plan: order
                contacts: {a: {person: A}}
                classes:
                  - {name: escape, match: {tags: [escape]}, lead: a}
                  - {name: creds, match: {rules: ["DW-FIM-02*"], severity: HIGH}, lead: a}
                  - {name: prod, match: {namespaces: ["prod-*"], tactics: [persistence, impact]}, lead: a}
                  - {name: technique, match: {mitre: [T1070]}, lead: a}
                  - {name: default, lead: a}
                """);
        // DW-FIM-021 HIGH with the escape tag: both escape and creds match; the first wins
        assertEquals("escape", plan.classify(facts(List.of("DW-FIM-021"), Set.of("escape"), List.of(), List.of(), Severity.HIGH, "x")).name());
        assertEquals("creds", plan.classify(facts(List.of("DW-FIM-021"), Set.of("fim"), List.of(), List.of(), Severity.HIGH, "x")).name());
        assertEquals("creds", plan.classify(facts(List.of("DW-FIM-021"), Set.of(), List.of(), List.of(), Severity.CRITICAL, null)).name(),
                "severity means at least");
        // MEDIUM is below HIGH: creds does not hold; prod needs both namespace and a tactic
        assertEquals("prod", plan.classify(facts(List.of("DW-FIM-021"), Set.of(), List.of("persistence"), List.of(), Severity.MEDIUM, "prod-eu")).name());
        assertEquals("default", plan.classify(facts(List.of("DW-FIM-021"), Set.of(), List.of("persistence"), List.of(), Severity.MEDIUM, "staging")).name());
        assertEquals("default", plan.classify(facts(List.of("DW-FIM-021"), Set.of(), List.of("discovery"), List.of(), Severity.MEDIUM, "prod-eu")).name());
        // a sub-technique matches its parent
        assertEquals("technique", plan.classify(facts(List.of("DW-FIM-040"), Set.of(), List.of(), List.of("T1070.002"), Severity.MEDIUM, null)).name());
        assertEquals("default", plan.classify(facts(List.of(), Set.of(), List.of(), List.of(), null, null)).name());
        assertEquals("creds", plan.incidentClass("creds").name());
        assertNull(plan.incidentClass("nope"));
    }

    @Test
    void obligationsApplyWhereListedOrMatched() throws Exception {
        ResponsePlan plan = parse(SPEC_PLAN);
        IncidentClass tamper = plan.incidentClass("credential-tampering");
        IncidentClass fallback = plan.incidentClass("default");
        IncidentFacts plain = facts(List.of("DW-FIM-001"), Set.of("fim"), List.of(), List.of(), Severity.HIGH, "ns");
        IncidentFacts personal = facts(List.of("ACME-001"), Set.of("personal-data"), List.of(), List.of(), Severity.LOW, "ns");
        assertEquals(List.of("breach-72h"), plan.obligationsFor(tamper, plain).stream().map(Obligation::id).toList());
        assertEquals(List.of(), plan.obligationsFor(fallback, plain));
        assertEquals(List.of("breach-72h"), plan.obligationsFor(fallback, personal).stream().map(Obligation::id).toList());
    }

    @Test
    void theRotaTakesTurnsByShift() throws Exception {
        ResponsePlan plan = parse(SPEC_PLAN);
        Contact rota = plan.contacts().get("secops-oncall");
        long start = Instant.parse("2026-01-05T09:00:00Z").toEpochMilli();
        long week = Duration.ofDays(7).toMillis();
        assertEquals("alice", rota.onCall(start));
        assertEquals("alice", rota.onCall(start + week - 1));
        assertEquals("bob", rota.onCall(start + week));
        assertEquals("alice", rota.onCall(start + 2 * week));
        assertEquals("bob", rota.onCall(start + 5 * week + 3600_000));
        assertEquals("bob", rota.onCall(start - 1), "before the start the turns count backwards");
        assertEquals("alice", rota.onCall(start - week - 1));
        assertNull(plan.contacts().get("alice").onCall(start), "a person is no rota");
    }

    @Test
    void resolveNamesThePeopleOnceInOrder() throws Exception {
        ResponsePlan plan = parse(SPEC_PLAN);
        long firstWeek = Instant.parse("2026-01-06T00:00:00Z").toEpochMilli();
        long secondWeek = Instant.parse("2026-01-13T00:00:00Z").toEpochMilli();

        List<PlanRecipient> onCall = plan.resolve(List.of("secops-oncall"), firstWeek);
        assertEquals(1, onCall.size());
        assertEquals("Alice Ng", onCall.get(0).getName());
        assertEquals("alice@example.com", onCall.get(0).getEmail());
        assertEquals("@alice", onCall.get(0).getHandle());
        assertEquals("secops-oncall", onCall.get(0).getVia());
        assertEquals("Bob Ode", plan.resolve(List.of("secops-oncall"), secondWeek).get(0).getName());

        // a team with an address: the team itself, then its members
        List<PlanRecipient> team = plan.resolve(List.of("platform-security"), firstWeek);
        assertEquals(List.of("platform-sec@example.com", "alice@example.com", "bob@example.com"),
                team.stream().map(PlanRecipient::getEmail).toList());
        assertEquals("platform-security", team.get(1).getVia());

        List<PlanRecipient> direct = plan.resolve(List.of("carol", "nobody", "carol"), firstWeek);
        assertEquals(List.of("ciso@example.com"), direct.stream().map(PlanRecipient::getEmail).toList(),
                "unknown ids are skipped, each person once");
        assertNull(direct.get(0).getVia());
    }

    // ---------------------------------------------------------------- the example

    @Test
    void theShippedExampleIsValidAndMeansWhatItSays() throws Exception {
        ResponsePlan plan = PlanLoader.load(Path.of("..", "deploy", "response-plan.yaml"));
        assertEquals("acme-container-ir", plan.name());
        assertEquals("default", plan.classes().get(plan.classes().size() - 1).name());
        assertTrue(plan.channels().containsAll(List.of("security-email", "security-chat", "pager", "jira", "sns")), plan.channels().toString());
        assertTrue(Set.of("security-email", "security-chat", "pager", "jira", "sns").containsAll(plan.channels()), plan.channels().toString());

        // the red-team attack write-passwd raises DW-FIM-021 (HIGH; @mitre T1136.001,T1098,T1548.003;
        // @tags fim,persistence,privilege-escalation,account): the drill expects credential-tampering
        Drill drill = plan.drill("weekly-credential-tamper");
        assertEquals("write-passwd", drill.attack());
        IncidentFacts passwd = facts(List.of("DW-FIM-021"), Set.of("fim", "persistence", "privilege-escalation", "account"),
                List.of("persistence", "privilege-escalation", "defense-evasion"), List.of("T1136.001", "T1098", "T1548.003"),
                Severity.HIGH, "default");
        assertEquals(drill.expectClass(), plan.classify(passwd).name());
        // DW-FIM-050 (container escape, CRITICAL, tags fim,escape,privilege-escalation)
        assertEquals("container-escape", plan.classify(facts(List.of("DW-FIM-050"), Set.of("fim", "escape", "privilege-escalation"),
                List.of("privilege-escalation"), List.of("T1611"), Severity.CRITICAL, "default")).name());
        // DW-FIM-090 mass changes (impact, ransomware)
        assertEquals("destruction-and-anti-forensics", plan.classify(facts(List.of("DW-FIM-090"), Set.of("fim", "impact", "ransomware", "tampering"),
                List.of("impact", "defense-evasion"), List.of("T1486", "T1485", "T1070.004"), Severity.HIGH, "default")).name());
        // DW-FIM-001 binary tampering in production; the same in staging falls to the default class
        IncidentFacts binaryProd = facts(List.of("DW-FIM-001"), Set.of("fim", "tampering", "binary"), List.of("persistence"),
                List.of("T1554"), Severity.HIGH, "prod-eu");
        assertEquals("production-high", plan.classify(binaryProd).name());
        assertEquals("default", plan.classify(new IncidentFacts(binaryProd.ruleIds(), binaryProd.tags(), binaryProd.tactics(),
                binaryProd.mitre(), Severity.HIGH, "staging")).name());
        // personal data: the 72h obligation applies whatever the class
        IncidentFacts personal = facts(List.of("ACME-PII-001"), Set.of("personal-data"), List.of(), List.of(), Severity.MEDIUM, "crm");
        IncidentClass c = plan.classify(personal);
        assertEquals("default", c.name());
        Obligation breach = plan.obligationsFor(c, personal).get(0);
        assertEquals("breach-72h", breach.id());
        assertEquals(Duration.ofHours(72), breach.due());
        // the rota hands over weekly at Monday 09:00 UTC
        Contact rota = plan.contacts().get("secops-oncall");
        assertEquals("alice", rota.onCall(Instant.parse("2026-01-05T09:00:00Z").toEpochMilli()));
        assertEquals("bob", rota.onCall(Instant.parse("2026-01-12T09:00:00Z").toEpochMilli()));
        assertEquals("dana", rota.onCall(Instant.parse("2026-01-19T09:00:00Z").toEpochMilli()));
    }

    // ---------------------------------------------------------------- the checks, each with its line

    @Test
    void theSmallPlanIsValid() throws Exception {
        assertEquals("small", parse(SMALL).name());
    }

    @Test
    void evidenceBeforeContainmentNamesTheStepsLine() {
        String yaml = SMALL.replace("""
                      - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}
                      - {id: contain, title: Pause, action: PAUSE_CONTAINER}
                """, """
                      - {id: contain, title: Pause, action: PAUSE_CONTAINER}
                      - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}
                      - {id: isolate, title: Isolate, action: ISOLATE_NETWORK}
                """);
        assertProblems(yaml, "plan.yaml:13: class \"tamper\": step \"contain\" (PAUSE_CONTAINER) contains the container before "
                + "its evidence is preserved: evidence before containment, put a step with action: SNAPSHOT_EVIDENCE before it");
        // a kill with no snapshot at all, written as a block mapping
        String kill = SMALL.replace("""
                      - {id: preserve, title: Snapshot, action: SNAPSHOT_EVIDENCE}
                      - {id: contain, title: Pause, action: PAUSE_CONTAINER}
                """, """
                      - id: triage
                        title: Look first
                      - id: kill
                        title: Kill it
                        action: KILL_CONTAINER
                """);
        assertProblems(kill, "plan.yaml:15: class \"tamper\": step \"kill\" (KILL_CONTAINER) contains the container before "
                + "its evidence is preserved: evidence before containment, put a step with action: SNAPSHOT_EVIDENCE before it");
    }

    @Test
    void referencesMustExist() {
        String yaml = SMALL.replace("lead: oncall", "lead: on-call")
                .replace("{after: 15m, notify: [team]", "{after: 15m, notify: [team, mallory]")
                .replace("obligations: [report]", "obligations: [reprot]")
                .replace("members: [alice]", "members: [alice, zed]")
                .replace("notify: [alice]", "notify: [alcie]");
        assertProblems(yaml,
                "plan.yaml:6: \"zed\" is not a contact",
                "plan.yaml:10: class \"tamper\": lead \"on-call\" is not a contact (did you mean \"oncall\"?)",
                "plan.yaml:17: \"mallory\" is not a contact (contacts: alice, bob, oncall, team)",
                "plan.yaml:18: class \"tamper\": \"reprot\" is not an obligation (did you mean \"report\"?)",
                "plan.yaml:22: obligation \"report\" applies to nothing: no class lists it under obligations and it has no \"when\"",
                "plan.yaml:26: \"alcie\" is not a contact (did you mean \"alice\"?)");
    }

    @Test
    void aRotasMembersArePersons() {
        assertProblems(SMALL.replace("rota: [alice, bob]", "rota: [alice, team]"),
                "plan.yaml:5: rota \"oncall\": member \"team\" is a team; a rota's members must be persons");
        assertProblems(SMALL.replace("oncall: {rota: [alice, bob], shift: 1d, start: \"2026-01-05T00:00:00Z\"}",
                        "oncall: {rota: [alice, bob]}"),
                "plan.yaml:5: missing \"shift\" (a duration: 30s, 15m, 1h, 7d)",
                "plan.yaml:5: rota \"oncall\": missing \"start\", when the first member's first shift begins (e.g. start: \"2026-01-05T09:00:00Z\")");
        assertProblems(SMALL.replace("start: \"2026-01-05T00:00:00Z\"", "start: monday"),
                "plan.yaml:5: \"start\": \"monday\" is not a time with its offset (e.g. \"2026-01-05T09:00:00Z\")");
    }

    @Test
    void aContactIsExactlyOneKind() {
        assertProblems(SMALL.replace("bob: {person: Bob}", "bob: {person: Bob, team: Bobs}")
                        .replace("team: {team: Team, members: [alice]}", "team: {team: Team, members: [alice], email: nope}"),
                "plan.yaml:4: contact \"bob\" must be exactly one of person, team or rota (it has person and team)",
                "plan.yaml:6: \"nope\" is not an e-mail address");
        assertProblems(SMALL.replace("bob: {person: Bob}", "bob: {email: bob@example.com}"),
                "plan.yaml:4: contact \"bob\" must be exactly one of person, team or rota");
        assertProblems(SMALL.replace("bob: {person: Bob}", "bob: {persn: Bob}"),
                "plan.yaml:4: contact \"bob\" must be exactly one of person, team or rota (\"persn\": did you mean \"person\"?)");
        assertProblems(SMALL.replace("bob: {person: Bob}", "bob: {person: \" \"}"),
                "plan.yaml:4: \"person\" (the name) is empty");
    }

    @Test
    void teamsDoNotContainThemselves() {
        String yaml = SMALL.replace("team: {team: Team, members: [alice]}",
                "team: {team: Team, members: [alice, inner]}\n  inner: {team: Inner, members: [team]}");
        assertProblems(yaml,
                "plan.yaml:6: team \"team\" contains itself: team -> inner -> team",
                "plan.yaml:7: team \"inner\" contains itself: inner -> team -> inner");
        assertProblems(SMALL.replace("members: [alice]", "members: [team]"),
                "plan.yaml:6: team \"team\" lists itself as a member");
        assertProblems(SMALL.replace("team: {team: Team, members: [alice]}", "team: {team: Team}"),
                "plan.yaml:6: team \"team\" has no members, email or handle: nobody could be told");
    }

    @Test
    void theDefaultClassIsLastAndOnlyItLacksMatch() {
        // the default class first: the next class could never be chosen, and the last class has a match
        String swapped = """
                plan: p
                contacts: {a: {person: A}}
                classes:
                  - name: default
                    lead: a
                  - name: tamper
                    match: {tags: [tampering]}
                    lead: a
                """;
        assertProblems(swapped,
                "plan.yaml:4: class \"default\" has no match: only the last class (the default) may omit it, or the classes after it could never be chosen",
                "plan.yaml:7: class \"tamper\" is the last class, the default: it must not have a match (it takes every incident no other class matched); add a default class without match after it");
        assertProblems("plan: p\ncontacts: {a: {person: A}}\nclasses: []\n",
                "plan.yaml:3: \"classes\" must be a list of incident classes, the last being the default class (without match)");
        assertProblems("plan: p\ncontacts: {a: {person: A}}\n",
                "plan.yaml:1: missing \"classes\": at least the default class (the last one, without match)");
    }

    @Test
    void classNamesAreUniqueAndMatchIsChecked() {
        String yaml = SMALL.replace("- name: default", "- name: tamper\n    match: {}\n    lead: team\n  - name: default")
                .replace("match: {tags: [tampering]}", "match: {tags: [tampering], tactics: [credential_access], mitre: [T12], severity: SEVERE, rule: [x]}");
        assertProblems(yaml,
                "plan.yaml:9: unknown key \"rule\" in a match (did you mean \"rules\"?); known here: rules, tags, tactics, mitre, severity, namespaces",
                "plan.yaml:9: \"credential_access\" is not an ATT&CK tactic (did you mean \"credential-access\"?); tactics: "
                        + String.join(", ", PlanLoader.TACTICS),
                "plan.yaml:9: \"T12\" is not an ATT&CK technique id (T1098 or T1098.004)",
                "plan.yaml:9: unknown severity \"SEVERE\": INFO, LOW, MEDIUM, HIGH or CRITICAL (the least severity)",
                "plan.yaml:19: a class named \"tamper\" is already defined",
                "plan.yaml:20: \"match\" is empty: it would match every incident; give rules, tags, tactics, mitre, severity or namespaces");
    }

    @Test
    void escalationIsStrictlyAscending() {
        String yaml = SMALL.replace("{after: 15m, notify: [team], channels: [mail]}",
                "{after: 15m, notify: [team], channels: [mail]}\n      - {after: 15m, notify: [alice]}\n      - {after: 10m, notify: [alice]}\n      - {notify: [alice]}\n      - {after: 20m}");
        assertProblems(yaml,
                "plan.yaml:18: class \"tamper\": tier 3 after 15m must come later than tier 2 (15m): escalation is strictly ascending",
                "plan.yaml:19: class \"tamper\": tier 4 after 10m must come later than tier 3 (15m): escalation is strictly ascending",
                "plan.yaml:20: missing \"after\" (a duration: 30s, 15m, 1h, 7d)",
                "plan.yaml:21: class \"tamper\": tier 6 has no \"notify\": the contacts to tell");
        assertProblems(SMALL.replace("{after: 0m, notify: [oncall]}", "{after: 15, notify: [oncall]}")
                        .replace("    channels: [chat]\n", ""),
                "plan.yaml:15: \"after\": \"15\" is not a duration (500ms, 30s, 15m, 1h, 7d or PT15M): give a unit, e.g. 15s or 15m",
                "plan.yaml:15: class \"tamper\": tier 1 has no channels and the class names none: give channels: [...]");
    }

    @Test
    void playbookStepsAreChecked() {
        String yaml = SMALL.replace("{id: contain, title: Pause, action: PAUSE_CONTAINER}",
                "{id: preserve, title: Pause, action: PAUSE_CONTAINR}\n      - {title: No id, run: x}\n      - {id: \"a b\", title: Spaces}");
        assertProblems(yaml,
                "plan.yaml:14: class \"tamper\": a step \"preserve\" is already in the playbook",
                "plan.yaml:14: unknown action \"PAUSE_CONTAINR\" (did you mean \"PAUSE_CONTAINER\"?); actions: NOTIFY, PAUSE_CONTAINER, "
                        + "RESUME_CONTAINER, SNAPSHOT_EVIDENCE, ISOLATE_NETWORK, KILL_CONTAINER, LABEL_POD",
                "plan.yaml:15: unknown key \"run\" for a playbook step; known here: id, title, action",
                "plan.yaml:15: missing \"id\"",
                "plan.yaml:16: step id \"a b\" may hold only letters, digits, '.', '-' and '_' (and starts with a letter or digit)");
    }

    @Test
    void obligationsAreChecked() {
        String yaml = SMALL.replace("""
                    due: 72h
                    remind: [24h]
                """, """
                    due: 72h
                    remind: [24h, 72h, 24h, 0s]
                    reminders: [1h]
                """) + """
                  - id: report
                    title: Twice
                    when: {tags: [personal-data]}
                    due: 0h
                    notify: []
                """;
        assertProblems(yaml,
                "plan.yaml:25: obligation \"report\": reminder 72h before the deadline is not after detection (due 72h)",
                "plan.yaml:25: obligation \"report\": reminder 24h is listed twice",
                "plan.yaml:25: obligation \"report\": a reminder 0 before the deadline is the deadline itself (it is told as overdue then)",
                "plan.yaml:26: unknown key \"reminders\" for an obligation (did you mean \"remind\"?); known here: id, title, when, due, remind, notify, channels",
                "plan.yaml:29: an obligation \"report\" is already defined",
                "plan.yaml:29: obligation \"report\": \"channels\" is missing or empty",
                "plan.yaml:32: obligation \"report\": due must be later than detection (more than 0)",
                "plan.yaml:33: obligation \"report\": \"notify\" is missing or empty: the contacts to remind");
    }

    @Test
    void drillsAreChecked() {
        String yaml = SMALL + """
                drills:
                  - name: weekly
                    attack: write-passwd
                    every: 7d
                    acknowledgeAfter: 2m
                    timeout: 1m
                    pass: {class: tampr, detectWithin: 2m, acknowledgeWithin: 30s, escalationTolerence: 5s}
                  - name: weekly
                    pass: {containWithin: 30s}
                  - name: bare
                    attack: write-passwd
                """;
        assertProblems(yaml,
                "plan.yaml:32: drill \"weekly\": the drill acknowledges after 2m but pass wants an acknowledgement within 30s: it could never pass",
                "plan.yaml:32: drill \"weekly\": acknowledgeAfter 2m is not before the timeout (1m)",
                "plan.yaml:34: unknown key \"escalationTolerence\" in a drill's pass (did you mean \"escalationTolerance\"?); known here: class, detectWithin, containWithin, acknowledgeWithin, escalationTolerance",
                "plan.yaml:34: drill \"weekly\": \"tampr\" is not a class of the plan (did you mean \"tamper\"?)",
                "plan.yaml:34: drill \"weekly\": detectWithin 2m is longer than the timeout (1m): the drill ends before it could pass",
                "plan.yaml:35: a drill named \"weekly\" is already defined",
                "plan.yaml:35: missing \"attack\"",
                "plan.yaml:36: missing \"detectWithin\" (a duration: 30s, 15m, 1h, 7d)",
                "plan.yaml:37: drill \"bare\": missing \"pass\": what counts as passing (at least detectWithin)");
    }

    @Test
    void unknownKeysAreRefusedWithTheKnownOnes() {
        String yaml = SMALL.replace("plan: small", "plan: small\nversion: 2")
                .replace("alice: {person: Alice, email: alice@example.com}", "alice: {person: Alice, mail: alice@example.com}")
                .replace("lead: team", "lead: team\n    leader: alice");
        assertProblems(yaml,
                "plan.yaml:2: unknown key \"version\" at the top of a plan; known here: plan, contacts, classes, obligations, drills",
                "plan.yaml:4: unknown key \"mail\" for a person (did you mean \"email\"?); known here: person, email, handle",
                "plan.yaml:22: unknown key \"leader\" for a class (did you mean \"lead\"?); known here: name, title, match, lead, channels, playbook, escalation, obligations");
    }

    @Test
    void yamlSyntaxErrorsCarryTheirLine() {
        List<String> problems = problems("""
                plan: p
                contacts:
                  a: {person: A
                classes: []
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("plan.yaml:4: not valid YAML: "), problems.get(0));

        List<String> duplicate = problems("plan: p\nplan: q\n");
        assertEquals(1, duplicate.size());
        assertTrue(duplicate.get(0).startsWith("plan.yaml:2: not valid YAML: Duplicate field 'plan'"), duplicate.get(0));

        assertProblems("", "plan.yaml:1: the plan file is empty (expected plan:, contacts:, classes:, ...)");
        assertProblems("- a\n- b\n", "plan.yaml:1: a plan is a mapping with plan:, contacts:, classes:, obligations: and drills:");
    }

    @Test
    void yamlBooleansAndMissingNamesAreCaught() {
        assertProblems(SMALL.replace("plan: small", "plan: yes"),
                "plan.yaml:1: \"plan\" must be a string, and YAML reads on/off/yes/no/true/false as true or false: quote it");
        assertProblems(SMALL.replace("plan: small\n", ""),
                "plan.yaml:1: missing \"plan\"");
    }

    @Test
    void aMissingFileIsAProblemToo() {
        PlanException e = assertThrows(PlanException.class, () -> PlanLoader.load(dir.resolve("nope.yaml")));
        assertEquals(List.of(dir.resolve("nope.yaml") + ": plan file not found"), e.problems());
    }

    @Test
    void everyProblemIsReportedAtOnceInLineOrder() {
        String yaml = SMALL.replace("plan: small", "plan: small\nextra: 1")
                .replace("lead: oncall", "lead: nobody")
                .replace("due: 72h", "due: soon");
        List<String> problems = problems(yaml);
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("plan.yaml:2: unknown key \"extra\""), problems.toString());
        assertTrue(problems.get(1).startsWith("plan.yaml:11: class \"tamper\": lead \"nobody\""), problems.toString());
        assertTrue(problems.get(2).startsWith("plan.yaml:25: \"due\": \"soon\" is not a duration"), problems.toString());
    }

    @Test
    void channelsAreCheckedAgainstTheNotifiersNames() throws Exception {
        assertEquals(List.of(), PlanLoader.checkChannels(SMALL, "plan.yaml", Set.of("chat", "mail")));
        List<String> problems = PlanLoader.checkChannels(SMALL, "plan.yaml", Set.of("chats", "email"));
        assertEquals(List.of(
                "plan.yaml:11: channel \"chat\" is not a notifier's name (known: chats, email) (did you mean \"chats\"?)",
                "plan.yaml:17: channel \"mail\" is not a notifier's name (known: chats, email) (did you mean \"email\"?)",
                "plan.yaml:27: channel \"mail\" is not a notifier's name (known: chats, email) (did you mean \"email\"?)"), problems);
        Path file = Files.writeString(dir.resolve("p.yaml"), SMALL);
        assertEquals(3, PlanLoader.checkChannels(file, Set.of()).size());
        assertTrue(PlanLoader.checkChannels(file, Set.of()).get(0).endsWith("(the notifiers file defines none)"));
    }
}
