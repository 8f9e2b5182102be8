package io.driftwatch.app.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.RuleBundle;
import io.driftwatch.rules.RuleBundles;
import io.driftwatch.rules.RuleCompilationException;
import io.driftwatch.rules.RuleSet;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager with a real rules directory and the real compiler; no Kafka (topic off). */
class RulesManagerTest {
    @TempDir
    Path dir;

    private final List<Thread> compiledOn = new CopyOnWriteArrayList<>();

    static String rule(String id, String pathPrefix) {
        return """
                package acme.opt;

                import io.driftwatch.model.FileEvent;
                global io.driftwatch.rules.Detections detections;

                rule "Acme file changed %1$s"
                    @id( "%1$s" ) @severity( "LOW" ) @mitre( "T1565" ) @tags( "acme" ) @maturity( "stable" )
                    @description( "A file under %2$s changed." ) @falsePositives( "Deploys." )
                    @Propagation( EAGER )
                when
                    $e : FileEvent( path str[startsWith] "%2$s" )
                then
                    detections.alert( drools, "acme file changed: " + $e.getPath(), $e );
                end
                """.formatted(id, pathPrefix);
    }

    static final String BROKEN = "package acme.opt;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n";

    private RulesManager start(Duration interval, boolean jmx) throws Exception {
        RulesSettings settings = new RulesSettings(dir, interval, false, "unused", "default");
        return RulesManager.start(settings, null, files -> {
            compiledOn.add(Thread.currentThread());
            return RuleBundles.compile(files);
        }, jmx);
    }

    @Test
    void aGoodChangeIsSwappedInAndABrokenOneRefusedWithFileAndLine() throws Exception {
        Files.writeString(dir.resolve("acme.drl"), rule("ACME-1", "/opt/acme/"));
        try (RulesManager manager = start(Duration.ofHours(1), false)) {
            RuleSet first = manager.current();
            assertTrue(first.rules().stream().anyMatch(r -> r.id().equals("ACME-1")));
            assertEquals(0, manager.metrics().getReloads());

            Files.writeString(dir.resolve("acme.drl"), rule("ACME-2", "/opt/acme/"));
            assertEquals(RulesManager.Outcome.SWAPPED, manager.checkDirectory().get(60, TimeUnit.SECONDS));
            RuleSet second = manager.current();
            assertNotEquals(first.version(), second.version());
            assertTrue(second.rules().stream().anyMatch(r -> r.id().equals("ACME-2")));
            assertEquals(1, manager.metrics().getReloads());
            assertTrue(manager.metrics().getLastReloadAt() > 0);

            Files.writeString(dir.resolve("broken.drl"), BROKEN);
            assertEquals(RulesManager.Outcome.REFUSED, manager.checkDirectory().get(60, TimeUnit.SECONDS));
            assertSame(second, manager.current(), "the running set stays");
            assertEquals(second.version(), manager.metrics().getVersion());
            assertEquals(1, manager.metrics().getFailedReloads());
            assertTrue(manager.metrics().getLastError().contains("broken.drl:5:"), manager.metrics().getLastError());
            assertTrue(manager.metrics().getLastErrorAt() > 0);

            // Refused once, not again at every look while the directory stays as it is.
            assertEquals(RulesManager.Outcome.UNCHANGED, manager.checkDirectory().get(60, TimeUnit.SECONDS));
            assertEquals(1, manager.metrics().getFailedReloads());

            Files.delete(dir.resolve("broken.drl"));
            // Back to what runs: nothing to compile.
            assertEquals(RulesManager.Outcome.UNCHANGED, manager.checkDirectory().get(60, TimeUnit.SECONDS));
            assertSame(second, manager.current());
            assertEquals(1, manager.metrics().getReloads());
        }
    }

    @Test
    void compilesOnItsOwnThreadWhileTheOldSetKeepsServing() throws Exception {
        Files.writeString(dir.resolve("acme.drl"), rule("ACME-1", "/opt/acme/"));
        CountDownLatch compiling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RulesSettings settings = new RulesSettings(dir, Duration.ofHours(1), false, "unused", "default");
        RulesManager.Compiler slow = files -> {
            compiledOn.add(Thread.currentThread());
            if (compiledOn.size() > 1) {
                compiling.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return RuleBundles.compile(files);
        };
        try (RulesManager manager = RulesManager.start(settings, null, slow, false)) {
            RuleSet before = manager.current();
            Files.writeString(dir.resolve("acme.drl"), rule("ACME-2", "/opt/acme/"));
            Future<RulesManager.Outcome> reload = manager.checkDirectory();
            assertTrue(compiling.await(60, TimeUnit.SECONDS));
            assertSame(before, manager.current(), "while a set compiles, the old one serves");
            release.countDown();
            assertEquals(RulesManager.Outcome.SWAPPED, reload.get(60, TimeUnit.SECONDS));
            assertNotEquals(before.version(), manager.current().version());
        }
        assertEquals(2, compiledOn.size());
        for (Thread thread : compiledOn) {
            assertNotEquals(Thread.currentThread(), thread);
            assertEquals("driftwatch-rules", thread.getName());
        }
    }

    @Test
    void watchesTheDirectoryWithoutBeingAsked() throws Exception {
        try (RulesManager manager = start(Duration.ofMillis(100), false)) {
            assertEquals(RuleSet.builtIn().version(), manager.current().version());
            Files.createDirectories(dir.resolve("acme"));
            Files.writeString(dir.resolve("acme/opt.drl"), rule("ACME-1", "/opt/acme/"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (manager.current().version().equals(RuleSet.builtIn().version()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(manager.current().rules().stream().anyMatch(r -> r.id().equals("ACME-1")));
            assertEquals("directory " + dir, manager.metrics().getSource());
            assertEquals(1, manager.metrics().getReloads());
        }
    }

    @Test
    void aBrokenDirectoryAtStartStopsTheStart() throws Exception {
        Files.writeString(dir.resolve("broken.drl"), BROKEN);
        RuleCompilationException refused = assertThrows(RuleCompilationException.class, () -> start(Duration.ofHours(1), false));
        assertTrue(refused.getMessage().contains("broken.drl:5:"), refused.getMessage());
    }

    @Test
    void bundlesFromTheTopicAreComparedByDigestAndCheckedAgainstIt() throws Exception {
        Files.writeString(dir.resolve("acme.drl"), rule("ACME-1", "/opt/acme/"));
        try (RulesManager manager = start(Duration.ofHours(1), false)) {
            RuleSet running = manager.current();
            Map<String, String> same = RuleBundles.read(dir);
            assertEquals(RulesManager.Outcome.UNCHANGED,
                    manager.offer(RuleBundleTopic.bundle("default", running.version(), same, 1L)).get(60, TimeUnit.SECONDS));

            Map<String, String> other = Map.of("acme.drl", rule("ACME-9", "/srv/acme/"));
            RuleBundle tampered = RuleBundleTopic.bundle("default", "x", other, 2L);
            tampered.setSha256(RuleBundles.sha256(same).replace('a', 'b'));
            assertEquals(RulesManager.Outcome.REFUSED, manager.offer(tampered).get(60, TimeUnit.SECONDS));
            assertTrue(manager.metrics().getLastError().contains("does not match"), manager.metrics().getLastError());

            assertEquals(RulesManager.Outcome.SWAPPED,
                    manager.offer(RuleBundleTopic.bundle("default", "x", other, 3L)).get(60, TimeUnit.SECONDS));
            assertTrue(manager.current().rules().stream().anyMatch(r -> r.id().equals("ACME-9")));
            assertTrue(manager.metrics().getSource().startsWith("topic "), manager.metrics().getSource());
        }
    }

    @Test
    void theCountersAreAnMBean() throws Exception {
        Files.writeString(dir.resolve("acme.drl"), rule("ACME-1", "/opt/acme/"));
        ObjectName name;
        try (RulesManager manager = start(Duration.ofHours(1), true)) {
            name = manager.mbeanName();
            assertNotNull(name);
            assertEquals("io.driftwatch", name.getDomain());
            assertEquals("Rules", name.getKeyProperty("type"));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            assertEquals(manager.current().version(), server.getAttribute(name, "Version"));
            assertEquals(0L, server.getAttribute(name, "FailedReloads"));

            Files.writeString(dir.resolve("broken.drl"), BROKEN);
            assertEquals(RulesManager.Outcome.REFUSED, manager.checkDirectory().get(60, TimeUnit.SECONDS));
            assertEquals(1L, server.getAttribute(name, "FailedReloads"));
            assertEquals(0L, server.getAttribute(name, "Reloads"));
            assertTrue(((String) server.getAttribute(name, "LastError")).contains("broken.drl:5:"));
            assertEquals(0L, server.getAttribute(name, "LastReloadAt"));
        }
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(name), "unregistered on close");
    }
}
