package io.driftwatch.scanner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.Severity;
import io.driftwatch.scanner.check.Check;
import io.driftwatch.scanner.check.CheckInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {
    @TempDir
    Path dir;

    @Test
    void theBuiltInPolicyLoadsAndCoversEveryKindOfCheck() {
        Policy policy = PolicyLoader.defaultPolicy();
        List<String> types = policy.checks().stream().map(c -> c.info().type()).distinct().toList();
        for (String type : List.of("not-exists", "setuid", "world-writable", "executable", "owner", "name", "content")) {
            assertTrue(types.contains(type), type + " in " + types);
        }
        assertEquals(policy.checks().size(), policy.enabledChecks().size());
        assertTrue(policy.checks().stream().allMatch(c -> c.info().id().startsWith("DW-IMG-")));
        CheckInfo setuid = info(policy, "DW-IMG-010");
        assertEquals(Severity.HIGH, setuid.severity());
        assertTrue(setuid.source().startsWith("built-in:"), setuid.source());
        assertFalse(setuid.help().isBlank());
        assertEquals(List.of("built-in"), policy.sources());
    }

    @Test
    void aFileAddsReplacesPatchesAndDisablesChecks() throws Exception {
        Path file = write("""
                version: 1
                checks:
                  - id: ACME-001
                    type: not-exists
                    severity: HIGH
                    description: No curl in production images
                    paths: [/usr/bin/curl, /bin/curl]
                  - id: DW-IMG-012
                    severity: medium
                  - id: DW-IMG-024
                    enabled: false
                  - id: DW-IMG-001
                    type: not-exists
                    severity: CRITICAL
                    description: mine
                    paths: [/etc/shadow-]
                exceptions:
                  - paths: [/usr/bin/sudo]
                    checks: [DW-IMG-010]
                    reason: the entrypoint drops to the app user with sudo
                """);
        Policy policy = PolicyLoader.load(file, true);
        assertEquals(Severity.HIGH, info(policy, "ACME-001").severity());
        assertEquals(Severity.MEDIUM, info(policy, "DW-IMG-012").severity(), "patched");
        assertEquals("executable", info(policy, "DW-IMG-012").type(), "the rest of the patched check stays");
        assertTrue(policy.disabled().contains("DW-IMG-024"));
        assertTrue(policy.enabledChecks().stream().noneMatch(c -> c.info().id().equals("DW-IMG-024")));
        assertEquals("mine", info(policy, "DW-IMG-001").description());
        assertEquals(file + ":12", info(policy, "DW-IMG-001").source());
        assertEquals("DW-IMG-001", policy.checks().get(0).info().id(), "a replaced check keeps its place");
        assertEquals("ACME-001", policy.checks().get(policy.checks().size() - 1).info().id(), "new checks come last");
        assertEquals(1, policy.exemptions().size());
        Exemption e = policy.exemptions().get(0);
        assertTrue(e.covers("DW-IMG-010", "/usr/bin/sudo", null));
        assertFalse(e.covers("DW-IMG-010", "/usr/bin/other", null));
        assertFalse(e.covers("DW-IMG-011", "/usr/bin/sudo", null));
        assertEquals(file + ":18", e.source());
        assertEquals(List.of("built-in", file.toString()), policy.sources());
    }

    @Test
    void withoutTheDefaultPolicyOnlyTheFilesChecksRun() throws Exception {
        Path file = write("""
                checks:
                  - id: X-1
                    type: exists
                    severity: INFO
                    description: an os-release
                    paths: [/etc/os-release, /usr/lib/os-release]
                """);
        Policy policy = PolicyLoader.load(file, false);
        assertEquals(List.of("X-1"), policy.checks().stream().map(c -> c.info().id()).toList());
        assertEquals(List.of(file.toString()), policy.sources());
        PolicyException patchWithoutBase = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks:
                  - id: DW-IMG-010
                    severity: LOW
                """, "p.yaml", false));
        assertEquals("p.yaml:2: check DW-IMG-010 is not defined before (by the built-in policy or an earlier file), so it"
                + " needs a \"type\" and the rest of a check", patchWithoutBase.getMessage());
    }

    @Test
    void anUnknownKeyIsRefusedWithItsLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                version: 1
                chekcs: []
                checks:
                  - id: A-1
                    type: setuid
                    severity: HIGH
                    description: setuid
                    alow: [/usr/bin/passwd]
                exceptions:
                  - path: /x
                    reason: because
                """, "policy.yaml", true));
        assertEquals(List.of(
                "policy.yaml:2: unknown key \"chekcs\" at the top; expected checks, exceptions, version",
                "policy.yaml:8: unknown key \"alow\" for a setuid check; known: allow, bits, description, enabled, help, id,"
                        + " paths, severity, type",
                "policy.yaml:10: unknown key \"path\" in an exception; did you mean \"paths\" (a glob or a list of them)?",
                "policy.yaml:10: an exception needs \"paths\", \"checks\" or \"fingerprints\" to say what it covers"),
                messages(e));
    }

    @Test
    void aBadRegexIsRefusedWithItsLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks:
                  - id: A-1
                    type: name
                    severity: LOW
                    description: keys
                    pattern: 'id_(rsa|dsa'
                  - id: A-2
                    type: content
                    severity: LOW
                    description: tokens
                    pattern: 'tok_[a-z'
                """, "policy.yaml", false));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.problems().get(0).toString().startsWith("policy.yaml:6: bad regex in pattern: Unclosed group"), e.getMessage());
        assertTrue(e.problems().get(1).toString().startsWith("policy.yaml:11: bad regex in pattern: Unclosed character class"),
                e.getMessage());
    }

    @Test
    void aBadSeverityIsRefusedWithItsLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks:
                  - id: DW-IMG-010
                    severity: SEVERE
                  - id: A-1
                    type: executable
                    severity: urgent
                    description: x
                    paths: /opt/**
                """, "policy.yaml", true));
        assertEquals(List.of(
                "policy.yaml:3: unknown severity \"SEVERE\": INFO, LOW, MEDIUM, HIGH or CRITICAL",
                "policy.yaml:6: unknown severity \"urgent\": INFO, LOW, MEDIUM, HIGH or CRITICAL"), messages(e));
    }

    @Test
    void aBadGlobIsRefusedWithItsLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks:
                  - id: A-1
                    type: not-exists
                    severity: LOW
                    description: x
                    paths:
                      - /etc/ok
                      - etc/relative
                      - /usr/lib**
                exceptions:
                  - paths: "/opt/[abc"
                    reason: r
                """, "policy.yaml", false));
        List<String> messages = messages(e);
        assertEquals(3, messages.size(), e.getMessage());
        assertTrue(messages.get(0).startsWith("policy.yaml:8: bad glob in paths: glob \"etc/relative\" must start with /"), messages.get(0));
        assertTrue(messages.get(1).startsWith("policy.yaml:9: bad glob in paths: glob \"/usr/lib**\": ** must be a whole"), messages.get(1));
        assertTrue(messages.get(2).startsWith("policy.yaml:11: bad glob in paths: glob \"/opt/[abc\": [ without its closing ]"),
                messages.get(2));
    }

    @Test
    void otherMistakesAreRefusedWithTheirLines() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                version: 2
                checks:
                  - id: A-1
                    type: nonsense
                  - id: A-2
                    type: owner
                    severity: LOW
                    description: x
                    paths: [/etc/passwd]
                    uid: root
                  - id: A-2
                    type: content
                    severity: LOW
                    description: x
                    detector: aws
                  - id: A-3
                    type: content
                    severity: LOW
                    description: x
                    detector: jwt
                    allowFingerprints: [sha256:12]
                  - id: A-4
                    type: sha256
                    severity: LOW
                    description: x
                    paths: /bin/sh
                    sha256: abc
                  - id: A-5
                    type: name
                    severity: LOW
                    description: yes
                    pattern: x
                exceptions:
                  - checks: [NOPE-1]
                    reason: typo
                """, "policy.yaml", false));
        List<String> messages = messages(e);
        assertEquals(List.of(
                "policy.yaml:1: unsupported policy version 2; this scanner reads version 1",
                "policy.yaml:4: unknown check type \"nonsense\"; known: exists, not-exists, sha256, setuid, world-writable,"
                        + " executable, owner, name, content, rejected-entry",
                "policy.yaml:10: \"uid\" must be a number (0 or more) or a list of numbers",
                "policy.yaml:11: check A-2 is defined twice in this file",
                "policy.yaml:21: \"sha256:12\" is not a fingerprint: sha256: and at least 8 hex digits, as reports print them"
                        + " (sha256:1f3a0c9e2b7d)",
                "policy.yaml:27: \"abc\" is not a SHA-256 digest (64 hex digits)",
                "policy.yaml:31: \"description\" must be a string, and YAML reads on/off/yes/no/true/false as true or false:"
                        + " quote it"), messages.subList(0, 7));
        assertEquals(7, messages.size(), e.getMessage());
    }

    @Test
    void anExceptionForAnUnknownCheckOrWithoutAReasonIsRefused() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                exceptions:
                  - checks: [DW-IMG-999]
                    reason: typo
                  - paths: /x
                """, "policy.yaml", true));
        assertEquals(List.of("policy.yaml:4: an exception needs a \"reason\" (why these findings are acceptable)"), messages(e));
        PolicyException unknown = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                exceptions:
                  - checks: [DW-IMG-999]
                    reason: typo
                """, "policy.yaml", true));
        assertEquals(List.of("policy.yaml:2: exception names check DW-IMG-999, which no policy defines"), messages(unknown));
    }

    @Test
    void yamlThatDoesNotParseGivesTheParsersLine() {
        PolicyException e = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks:
                  - id: A-1
                   type: setuid
                """, "policy.yaml", false));
        assertEquals(1, e.problems().size());
        assertTrue(e.getMessage().startsWith("policy.yaml:3: not valid YAML"), e.getMessage());
        PolicyException dup = assertThrows(PolicyException.class, () -> PolicyLoader.parse("""
                checks: []
                checks: []
                """, "policy.yaml", false));
        assertTrue(dup.getMessage().startsWith("policy.yaml:2: not valid YAML: Duplicate field 'checks'"), dup.getMessage());
        PolicyException missing = assertThrows(PolicyException.class, () -> PolicyLoader.load(dir.resolve("nope.yaml"), true));
        assertEquals(dir.resolve("nope.yaml") + ": policy file not found", missing.getMessage());
    }

    @Test
    void laterFilesExtendEarlierOnesAndEveryFilesProblemsAreReported() throws Exception {
        Path org = dir.resolve("org.yaml");
        Files.writeString(org, """
                checks:
                  - {id: ORG-1, type: not-exists, severity: HIGH, description: no curl, paths: /usr/bin/curl}
                """);
        Path team = dir.resolve("team.yaml");
        Files.writeString(team, """
                checks:
                  - {id: ORG-1, severity: LOW}
                exceptions:
                  - {checks: ORG-1, paths: /usr/bin/curl, reason: the health check uses it}
                """);
        Policy policy = PolicyLoader.load(List.of(org, team), false);
        assertEquals(Severity.LOW, info(policy, "ORG-1").severity());
        assertEquals(org + ":2", info(policy, "ORG-1").source());
        assertEquals(1, policy.exemptions().size());
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "checks:\n  - {id: X, type: nope}\n");
        PolicyException e = assertThrows(PolicyException.class,
                () -> PolicyLoader.load(List.of(broken, dir.resolve("missing.yaml")), true));
        assertEquals(List.of(broken + ":2: unknown check type \"nope\"; known: exists, not-exists, sha256, setuid,"
                + " world-writable, executable, owner, name, content, rejected-entry", dir.resolve("missing.yaml") + ": policy file not found"),
                messages(e));
    }

    @Test
    void anEmptyFileChangesNothing() throws Exception {
        Policy policy = PolicyLoader.load(write(""), true);
        assertEquals(PolicyLoader.defaultPolicy().checks().size(), policy.checks().size());
    }

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static CheckInfo info(Policy policy, String id) {
        return policy.checks().stream().map(Check::info).filter(i -> i.id().equals(id)).findFirst().orElseThrow();
    }

    private static List<String> messages(PolicyException e) {
        return e.problems().stream().map(PolicyException.Problem::toString).toList();
    }
}
