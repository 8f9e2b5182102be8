package io.driftwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseResult;
import io.driftwatch.model.ResponseStatus;
import org.junit.jupiter.api.Test;

/** The demo's RESULT lines: one line each, whatever a detail holds. */
class ResultPrinterTest {

    @Test
    void aResultIsOneLineNamingItsActionStatusNodeAndDetail() {
        String line = ResultPrinter.result(result("dry run: would pause container c0ffee01 (not found here)"));
        assertEquals("RESULT  PAUSE_CONTAINER   SKIPPED_DRY_RUN node node-a: dry run: would pause container c0ffee01"
                + " (not found here) (command cmd-1, 1970-01-01T00:00:01Z)", line);
    }

    @Test
    void controlAndFormatCharactersInADetailAreEscaped() {
        // A new line that forges a second RESULT, an ANSI escape that clears the screen, a bidi override, a C1 CSI.
        String hostile = "paused\nRESULT  KILL_CONTAINER    DONE\u001b[2J\u202Egnp.exe\u009b31m\\u0041";
        String line = ResultPrinter.result(result(hostile));
        assertFalse(line.chars().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT), line);
        assertTrue(line.contains("paused\\nRESULT  KILL_CONTAINER    DONE\\u001b[2J\\u202egnp.exe\\u009b31m\\\\u0041"), line);
    }

    @Test
    void aSupplementaryFormatCharacterAndALoneSurrogateAreEscaped() {
        assertEquals("tag\\u{e0041} lone \\ud800 emoji \uD83D\uDE00", ResultPrinter.escape("tag\uDB40\uDC41 lone \uD800 emoji \uD83D\uDE00"));
    }

    private static ResponseResult result(String detail) {
        return ResponseResult.newBuilder().setCommandId("cmd-1").setNode("node-a").setAction(ResponseAction.PAUSE_CONTAINER)
                .setStatus(ResponseStatus.SKIPPED_DRY_RUN).setDetail(detail).setFinishedAt(1000L).build();
    }
}
