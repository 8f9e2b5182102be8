package io.driftwatch.scanner.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GlobTest {

    @Test
    void aStarStaysInItsSegment() {
        Glob g = Glob.compile("/etc/ssh/ssh_host_*_key");
        assertTrue(g.matches("/etc/ssh/ssh_host_rsa_key"));
        assertFalse(g.matches("/etc/ssh/ssh_host_rsa_key.pub"));
        assertFalse(g.matches("/etc/ssh/ssh_host_x/y_key"));
        assertTrue(Glob.compile("/etc/*").matches("/etc/.hidden"), "* matches dot files");
    }

    @Test
    void doubleStarIsAnyNumberOfSegments() {
        Glob git = Glob.compile("**/.git/**");
        assertTrue(git.matches("/.git"));
        assertTrue(git.matches("/app/.git/HEAD"));
        assertTrue(git.matches("/a/b/.git/objects/ab/cdef"));
        assertFalse(git.matches("/app/.github/workflows/ci.yml"));
        Glob etc = Glob.compile("/etc/**");
        assertTrue(etc.matches("/etc"));
        assertTrue(etc.matches("/etc/init.d/x"));
        assertFalse(etc.matches("/etcetera"));
        assertTrue(Glob.compile("/usr/**/bin").matches("/usr/bin"));
        assertTrue(Glob.compile("/usr/**/bin").matches("/usr/local/bin"));
        assertTrue(Glob.compile("**").matches("/anything/at/all"));
    }

    @Test
    void setsAlternativesAndEscapes() {
        assertTrue(Glob.compile("/etc/rc[0-6S].d/*").matches("/etc/rc3.d/S01x"));
        assertFalse(Glob.compile("/etc/rc[0-6S].d/*").matches("/etc/rc7.d/S01x"));
        assertTrue(Glob.compile("/x/[!a]*").matches("/x/b"));
        assertFalse(Glob.compile("/x/[!a]*").matches("/x/a"));
        assertTrue(Glob.compile("/app/*.{pem,key}").matches("/app/tls.key"));
        assertFalse(Glob.compile("/app/*.{pem,key}").matches("/app/tls.crt"));
        assertTrue(Glob.compile("/a/\\*").matches("/a/*"));
        assertFalse(Glob.compile("/a/\\*").matches("/a/b"));
        assertTrue(Glob.compile("/a+b/(c)$").matches("/a+b/(c)$"), "regex characters are literal");
        assertTrue(Glob.compile("/etc/shadow-").matches("/etc/shadow-"));
        assertTrue(Glob.compile("/tmp/").matches("/tmp"), "a trailing / is the directory");
        assertTrue(Glob.compile("/").matches("/"));
    }

    @Test
    void badGlobsSayWhatIsWrong() {
        assertEquals("glob \"etc/passwd\" must start with / (an absolute path in the image) or ** (any directory), as in"
                        + " /etc/etc/passwd or **/etc/passwd",
                assertThrows(IllegalArgumentException.class, () -> Glob.compile("etc/passwd")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/etc/[abc")).getMessage()
                .contains("[ without its closing ]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/etc/{a,b")).getMessage()
                .contains("{ without its closing }"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/usr/lib**")).getMessage()
                .contains("** must be a whole path segment"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/a//b")).getMessage()
                .contains("empty path segment"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/a/{b/c,d}")).getMessage()
                .contains("cannot hold /"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Glob.compile("/a/[z-a]")).getMessage()
                .contains("backwards"));
        assertThrows(IllegalArgumentException.class, () -> Glob.compile(""));
    }
}
