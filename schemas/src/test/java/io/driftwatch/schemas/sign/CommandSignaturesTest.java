package io.driftwatch.schemas.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandSignaturesTest {
    static final byte[] KEY = "correct horse battery staple 42".getBytes(StandardCharsets.UTF_8);
    static final byte[] OTHER = "another secret of enough length".getBytes(StandardCharsets.UTF_8);

    static ResponseCommand command() {
        return ResponseCommand.newBuilder().setCommandId("cmd-1").setAlertId("a-1").setAction(ResponseAction.PAUSE_CONTAINER)
                .setNode("node-a").setContainerId("c0ffee").setPodName("web-1").setNamespace("shop")
                .setParameters(Map.of("reason", "DW-FIM-001", "mode", "contain")).setIssuedAt(1_000L).setExpiresAt(61_000L)
                .build();
    }

    @Test
    void aSignedCommandVerifiesAndAnyChangeBreaksIt() {
        CommandSignatures signatures = CommandSignatures.of(List.of(KEY));
        ResponseCommand c = signatures.signed(command());
        assertTrue(c.getSignature().startsWith("hmac-sha256:" + CommandSignatures.keyId(KEY) + ":"));
        assertNull(signatures.problem(c));
        for (Runnable tamper : List.<Runnable>of(
                () -> c.setAction(ResponseAction.KILL_CONTAINER),
                () -> c.setContainerId("deadbeef"),
                () -> c.setNamespace("kube-system"),
                () -> c.setExpiresAt(Long.MAX_VALUE),
                () -> c.setParameters(Map.of("reason", "DW-FIM-001", "mode", "kill")),
                () -> c.setNode(null))) {
            ResponseCommand copy = ResponseCommand.newBuilder(c).build();
            tamper.run();
            assertEquals("signature does not match", signatures.problem(c));
            c.setAction(copy.getAction());
            c.setContainerId(copy.getContainerId());
            c.setNamespace(copy.getNamespace());
            c.setExpiresAt(copy.getExpiresAt());
            c.setParameters(copy.getParameters());
            c.setNode(copy.getNode());
            assertNull(signatures.problem(c));
        }
    }

    @Test
    void unsignedForeignAndMalformedSignaturesAreRefusedWithTheReason() {
        CommandSignatures ours = CommandSignatures.of(List.of(KEY));
        ResponseCommand c = command();
        assertEquals("unsigned", ours.problem(c));
        c.setSignature("sha1:xx:yy");
        assertEquals("not an hmac-sha256 signature", ours.problem(c));
        CommandSignatures.of(List.of(OTHER)).signed(c);
        assertTrue(ours.problem(c).startsWith("signed with an unknown key"));
        // A forger who knows our key id but not the key.
        c.setSignature("hmac-sha256:" + CommandSignatures.keyId(KEY) + ":AAAA");
        assertEquals("signature does not match", ours.problem(c));
    }

    @Test
    void rotationSignsWithTheNewKeyAndStillAcceptsTheOld() {
        ResponseCommand old = CommandSignatures.of(List.of(OTHER)).signed(command());
        CommandSignatures rotated = CommandSignatures.of(List.of(KEY, OTHER));
        assertNull(rotated.problem(old));
        ResponseCommand fresh = rotated.signed(command());
        assertTrue(fresh.getSignature().contains(CommandSignatures.keyId(KEY)));
        assertNotEquals(old.getSignature(), fresh.getSignature());
    }

    @Test
    void canonicalFormCannotBeShiftedAcrossFields() {
        ResponseCommand a = command();
        ResponseCommand b = command();
        a.setPodName("web-1\nshop");
        a.setNamespace(null);
        b.setPodName("web-1");
        b.setNamespace("shop");
        assertNotEquals(CommandSignatures.canonical(a), CommandSignatures.canonical(b));
    }

    @Test
    void shortKeysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CommandSignatures.of(List.of("short".getBytes(StandardCharsets.UTF_8))));
    }
}
