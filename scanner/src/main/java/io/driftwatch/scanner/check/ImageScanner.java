package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;
import io.driftwatch.scanner.image.ImageReadException;
import io.driftwatch.scanner.image.ImageReader;
import io.driftwatch.scanner.image.ImageScan;
import io.driftwatch.scanner.image.Layer;
import io.driftwatch.scanner.image.LayerVisitor;
import io.driftwatch.scanner.image.ReadOptions;
import io.driftwatch.scanner.policy.Exemption;
import io.driftwatch.scanner.policy.Policy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Runs a policy's checks on an image read once: every check sees every layer's entries as they are read, then the
 * final filesystem; each finding gets its layer's digest, the later layer that deleted or replaced its path (when one
 * did), the policy exception that covers it (if any) and a fingerprint.
 */
public final class ImageScanner {
    private final ImageReader reader;
    private final Policy policy;

    public ImageScanner(ImageReader reader, Policy policy) {
        this.reader = reader;
        this.policy = policy;
    }

    /** A found thing before the scanner completes it. */
    private record Raw(CheckInfo check, String path, int layer, int line, String message, String evidence,
            String secretFingerprint) {
    }

    /** A whiteout as it was read. */
    private record Whiteout(int layer, String path, boolean opaque) {
    }

    public ScanReport scan(String reference, ReadOptions options) throws ImageReadException {
        long started = System.currentTimeMillis();
        List<Raw> raw = new ArrayList<>();
        ScanContext context = new ScanContext((check, path, layer, line, message, evidence, secretFingerprint) ->
                raw.add(new Raw(check, path, layer, line, message, evidence, secretFingerprint)));
        List<Check> checks = policy.enabledChecks();
        List<CheckRun> runs = new ArrayList<>();
        for (Check check : checks) {
            runs.add(check.start(context));
        }
        boolean anyBinary = checks.stream().anyMatch(c -> c instanceof ContentCheck cc && cc.scansBinaryFiles());
        boolean anyContent = checks.stream().anyMatch(c -> c instanceof ContentCheck);
        List<Whiteout> whiteouts = new ArrayList<>();
        long[] counts = new long[4];
        LayerVisitor bookkeeping = new LayerVisitor() {
            @Override
            public void entry(Layer layer, ImageEntry entry, byte[] content) {
                counts[0]++;
                if (entry.kind() != EntryKind.FILE || entry.size() == 0 || !anyContent) {
                    return;
                }
                if (content == null) {
                    counts[3]++;
                } else if (context.binary(content) && !anyBinary) {
                    counts[2]++;
                } else {
                    counts[1]++;
                }
            }

            @Override
            public void whiteout(Layer layer, String path, boolean opaque) {
                whiteouts.add(new Whiteout(layer.index(), path, opaque));
            }
        };
        List<LayerVisitor> visitors = new ArrayList<>();
        visitors.add(bookkeeping);
        visitors.addAll(runs);
        ImageScan image = reader.read(reference, options, LayerVisitor.all(visitors));
        for (CheckRun run : runs) {
            run.finish(image);
        }
        List<Finding> findings = new ArrayList<>();
        for (Raw r : raw) {
            findings.add(complete(r, image, whiteouts));
        }
        findings.sort(Comparator.comparing(Finding::severity).reversed()
                .thenComparing(Finding::checkId)
                .thenComparing(Finding::path)
                .thenComparingInt(Finding::layer)
                .thenComparingInt(Finding::line));
        return new ScanReport(image, checks.stream().map(Check::info).toList(), List.copyOf(findings),
                new ScanReport.Stats(counts[0], counts[1], counts[2], counts[3]), started,
                System.currentTimeMillis() - started);
    }

    private Finding complete(Raw r, ImageScan image, List<Whiteout> whiteouts) {
        List<Layer> layers = image.layers();
        String layerDigest = r.layer() >= 0 && r.layer() < layers.size() ? layers.get(r.layer()).digest() : null;
        Integer removedIn = r.layer() >= 0 ? removedIn(r.path(), r.layer(), image, whiteouts) : null;
        String removedDigest = removedIn != null && removedIn < layers.size() ? layers.get(removedIn).digest() : null;
        String message = r.message();
        if (removedIn != null) {
            ImageEntry now = image.files().get(r.path());
            message += now == null
                    ? "; deleted in layer " + removedIn + ", but layer " + r.layer() + " still ships it"
                    : "; replaced in layer " + removedIn + ", but layer " + r.layer() + " still ships it";
        }
        String fingerprint = fingerprint(r.check().id(), r.path(), r.secretFingerprint() == null ? "" : r.secretFingerprint());
        String suppressed = null;
        for (Exemption exemption : policy.exemptions()) {
            if (exemption.covers(r.check().id(), r.path(), r.secretFingerprint())) {
                suppressed = exemption.reason();
                break;
            }
        }
        return new Finding(r.check().id(), r.check().severity(), r.path(), r.line(), r.layer(), layerDigest, removedIn,
                removedDigest, message, r.evidence(), r.secretFingerprint(), fingerprint, suppressed);
    }

    /**
     * The first layer above {@code layer} that deleted {@code path} (a whiteout of it or of a directory above it, or an
     * opaque directory above it) or wrote it again; null when the final filesystem still has what {@code layer} wrote.
     */
    static Integer removedIn(String path, int layer, ImageScan image, List<Whiteout> whiteouts) {
        ImageEntry now = image.files().get(path);
        if (now != null && now.layer() == layer) {
            return null;
        }
        Integer first = now != null && now.layer() > layer ? now.layer() : null;
        for (Whiteout w : whiteouts) {
            if (w.layer() <= layer || first != null && w.layer() >= first) {
                continue;
            }
            boolean covers = w.opaque() ? path.startsWith(w.path().endsWith("/") ? w.path() : w.path() + "/")
                    : path.equals(w.path()) || path.startsWith(w.path() + "/");
            if (covers) {
                first = w.layer();
            }
        }
        return first;
    }

    static String fingerprint(String checkId, String path, String what) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((checkId + "\0" + path + "\0" + what).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
