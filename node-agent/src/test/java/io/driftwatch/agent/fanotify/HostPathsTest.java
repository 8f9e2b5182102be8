package io.driftwatch.agent.fanotify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostPathsTest {
    final HostPaths defaults = new HostPaths(HostPaths.DEFAULTS);

    @Test
    void prefixesMatchOnPathBoundaries() {
        assertTrue(defaults.matches("/etc"));
        assertTrue(defaults.matches("/etc/passwd"));
        assertTrue(defaults.matches("/etc/ssh/sshd_config.d/x.conf"));
        assertFalse(defaults.matches("/etcetera/passwd"));
        assertFalse(defaults.matches("/usr/binary"));
        assertTrue(defaults.matches("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        assertFalse(defaults.matches("/usr/local/bin/tool"));
        assertFalse(defaults.matches("/var/log/syslog"));
        assertTrue(defaults.matches("/var/spool/cron/crontabs/root"));
        assertTrue(defaults.matches("/root/.ssh/authorized_keys"));
        assertFalse(defaults.matches("/root/.bash_history"));
        assertFalse(defaults.matches("/"));
    }

    @Test
    void globsStayWithinOneComponent() {
        assertTrue(defaults.matches("/home/bob/.ssh"));
        assertTrue(defaults.matches("/home/bob/.ssh/authorized_keys"));
        assertFalse(defaults.matches("/home/bob/.sshx/authorized_keys"));
        assertFalse(defaults.matches("/home/bob/notes/.ssh"));
        assertFalse(defaults.matches("/home/bob"));
        HostPaths cron = new HostPaths(List.of("/opt/cron*", "/srv/?ey"));
        assertTrue(cron.matches("/opt/crontab"));
        assertTrue(cron.matches("/opt/cron.d/job"));
        assertFalse(cron.matches("/opt/anacron"));
        assertTrue(cron.matches("/srv/key/x"));
        assertFalse(cron.matches("/srv/monkey"));
    }

    @Test
    void theDirectoryCacheAgreesWithTheFullMatch() {
        for (String dir : List.of("/", "/etc", "/home", "/home/bob", "/home/bob/.ssh", "/usr", "/var/spool", "/tmp")) {
            for (String name : List.of(".ssh", "passwd", "cron", "bin", "lib", "x")) {
                String path = "/".equals(dir) ? "/" + name : dir + "/" + name;
                assertEquals(defaults.matches(path), defaults.inDirectory(dir, name), path);
                assertEquals(defaults.matches(path), defaults.inDirectory(dir, name), path + " (cached)");
            }
        }
    }

    @Test
    void basesAreWhatIsMarkedWithoutNestedOnes() {
        assertEquals(List.of("/etc", "/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/lib", "/lib", "/lib64", "/boot",
                "/root/.ssh", "/home", "/var/spool/cron"), defaults.bases());
    }

    @Test
    void badPathsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new HostPaths(List.of("etc")));
        assertThrows(IllegalArgumentException.class, () -> new HostPaths(List.of("/etc/../root")));
        assertThrows(IllegalArgumentException.class, () -> new HostPaths(List.of(" ", "")));
        assertEquals(List.of("/etc", "/boot"), HostPaths.parse("/etc/, /boot").patterns());
    }
}
