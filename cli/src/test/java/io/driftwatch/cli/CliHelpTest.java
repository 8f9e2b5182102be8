package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Also the way the other CLI tests run a command: {@link #run} with its output and exit code. */
public class CliHelpTest {
    public record Run(int exitCode, String out, String err) {
    }

    public static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommands() {
        Run help = run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("topics") && help.out().contains("schemas"), help.out());
    }

    @Test
    void anUnknownSubcommandIsAUsageError() {
        Run unknown = run("tpoics");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("Unmatched argument") && unknown.err().contains("topics"), unknown.err());
    }

    @Test
    void schemasPrintGivesTheContract() {
        Run print = run("schemas", "print", "FileEvent");
        assertEquals(0, print.exitCode());
        assertTrue(print.out().contains("\"name\" : \"FileEvent\"") && print.out().contains("previousMode"), print.out());
        Run unknown = run("schemas", "print", "Nope");
        assertEquals(2, unknown.exitCode());
        assertTrue(unknown.err().contains("unknown record 'Nope'"), unknown.err());
    }

    @Test
    void aMissingBootstrapServerIsASentenceNotAStackTrace() {
        Run create = run("topics", "create");
        assertEquals(1, create.exitCode());
        assertTrue(create.err().startsWith("error: Missing configuration 'bootstrap.servers'"), create.err());
    }
}
