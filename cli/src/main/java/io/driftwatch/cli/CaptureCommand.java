package io.driftwatch.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code driftwatch capture}: download a capture (the trail around an alert, kept past trail retention). */
@Command(name = "capture", mixinStandardHelpOptions = true,
        header = "Download a capture: a container's trail around an alert, as JSON lines replay reads.",
        description = {"A capture is sealed for an alert whose rule asks for one, and kept past the trail's retention "
                + "('incidents show' lists an incident's captures). It downloads as JSON lines that "
                + "'driftwatch replay --events FILE' accepts as they are (src/api.md)."},
        footer = {"", "Exit codes: 0 done; 1 the API refused (404: no such capture) or could not be reached; "
                + "2 bad usage."},
        subcommands = {CaptureCommand.Get.class})
final class CaptureCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            header = "Write a capture's JSON lines to standard output or to a file.")
    static final class Get implements Callable<Integer> {
        @Parameters(paramLabel = "ID", description = "The capture id.")
        String id;
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to this file instead of standard output.")
        Path output;
        @Mixin
        ConsoleClient.Options api;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String lines = terminalSafe(new ConsoleClient(api).getText("/api/v1/captures/" + ConsoleClient.encode(id)));
            if (output == null) {
                PrintWriter out = spec.commandLine().getOut();
                out.print(lines);
                out.flush();
            } else {
                Files.writeString(output, lines, StandardCharsets.UTF_8);
                long count = lines.lines().count();
                spec.commandLine().getErr().println("Wrote " + output + " (" + count + " lines)");
            }
            return 0;
        }
    }

    /**
     * The JSON lines with DEL and the C1 controls written as JSON escapes: the same JSON (they can only stand inside
     * strings), harmless on a terminal. The server's JSON already escapes the C0 controls.
     */
    static String terminalSafe(String json) {
        StringBuilder out = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == 0x7f || c >= 0x80 && c <= 0x9f) {
                if (out == null) {
                    out = new StringBuilder(json.length() + 16).append(json, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? json : out.toString();
    }
}
