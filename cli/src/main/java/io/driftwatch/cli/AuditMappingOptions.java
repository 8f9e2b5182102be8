package io.driftwatch.cli;

import io.driftwatch.adapters.audit.AuditContainerMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How Linux audit events find their container (src/adapters.md): shared by {@code ingest audit} and {@code replay}. */
final class AuditMappingOptions {
    @Option(names = "--audit-key", paramLabel = "KEY=CONTAINERID",
            description = "Events of audit rules with this key (-k KEY) belong to this container; a KEY ending in * is a "
                    + "prefix (dw-abc*=abc). Repeatable.")
    List<String> keys = new ArrayList<>();

    @Option(names = "--audit-keys", paramLabel = "FILE",
            description = "A file of mappings, one a line: 'KEY CONTAINERID' or '/HOST/ROOTFS CONTAINERID' (# comments).")
    Path keysFile;

    @Option(names = "--audit-rootfs", paramLabel = "HOSTPATH=CONTAINERID",
            description = "Paths under this host directory (the container's root filesystem) belong to the container and "
                    + "are rewritten to the path inside it. Repeatable.")
    List<String> roots = new ArrayList<>();

    @Option(names = "--node", paramLabel = "NAME",
            description = "The node the audit log comes from (a record's own node= wins).")
    String node;

    AuditContainerMap map() throws IOException {
        AuditContainerMap map = AuditContainerMap.empty();
        if (keysFile != null) {
            map.load(keysFile);
        }
        for (String key : keys) {
            map.add(key);
        }
        for (String root : roots) {
            if (!root.startsWith("/")) {
                throw new IllegalArgumentException("--audit-rootfs '" + root + "': want /HOST/PATH=CONTAINERID");
            }
            map.add(root);
        }
        return map;
    }
}
