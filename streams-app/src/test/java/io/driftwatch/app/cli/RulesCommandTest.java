package io.driftwatch.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesCommandTest {
    @TempDir
    Path dir;

    @Test
    void listsTheBuiltInRulesWithTheirMetadata() {
        CliHelpTest.Run list = CliHelpTest.run("rules", "list");
        assertEquals(0, list.exitCode(), list.err());
        assertTrue(list.out().contains("DW-FIM-001") && list.out().contains("HIGH") && list.out().contains("T1554"),
                list.out());
        assertTrue(list.out().contains("rule set version"), list.out());
    }

    @Test
    void checkAcceptsAGoodRuleAndRefusesABadOneWithFileAndLine() throws Exception {
        Path good = Files.createDirectories(dir.resolve("good"));
        Files.writeString(good.resolve("mine.drl"), """
                package acme.rules;

                import io.driftwatch.model.FileEvent;
                import io.driftwatch.model.EventType;
                global io.driftwatch.rules.Detections detections;

                rule "Acme config changed"
                    @id( "ACME-001" ) @severity( "LOW" ) @mitre( "T1565" ) @tags( "acme" ) @maturity( "stable" )
                    @description( "The acme config was written." ) @falsePositives( "Deploys." )
                    @Propagation( EAGER )
                when
                    $e : FileEvent( type == EventType.OPEN_WRITE, path == "/etc/acme.conf" )
                then
                    detections.alert( drools, "acme config written", $e );
                end
                """);
        CliHelpTest.Run ok = CliHelpTest.run("rules", "check", good.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().startsWith("ok: "), ok.out());

        Path bad = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(bad.resolve("broken.drl"), "package acme.rules;\n\nrule \"broken\"\nwhen\n  FileEvent( path == )\nthen\nend\n");
        CliHelpTest.Run refused = CliHelpTest.run("rules", "check", bad.toString());
        assertEquals(1, refused.exitCode());
        assertTrue(refused.err().contains("broken.drl:5:"), refused.err());
    }
}
