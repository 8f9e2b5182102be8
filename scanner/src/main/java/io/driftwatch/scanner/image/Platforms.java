package io.driftwatch.scanner.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Which manifest of an image index to read: os/architecture[/variant] ("linux/amd64" unless told otherwise). */
final class Platforms {
    private Platforms() {
    }

    /** linux and the architecture this JVM runs on, in Go's names (amd64, arm64, ...). */
    static String host() {
        String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
        String goArch = switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            case "ppc64le" -> "ppc64le";
            case "s390x" -> "s390x";
            case "riscv64" -> "riscv64";
            case "arm" -> "arm";
            default -> arch;
        };
        return "linux/" + goArch;
    }

    /**
     * Picks from {@code manifests} (an index's entries) the one for {@code wanted} ("os/arch[/variant]"), falling back
     * to linux/amd64 when {@code fallbackToAmd64}. An index of one entry without a platform is that entry.
     */
    static Descriptor pick(List<Descriptor> manifests, String wanted, boolean fallbackToAmd64, String where)
            throws ImageReadException {
        if (manifests.isEmpty()) {
            throw new ImageReadException(where + ": the image index lists no manifests");
        }
        if (manifests.size() == 1 && !manifests.get(0).hasPlatform()) {
            return manifests.get(0);
        }
        Descriptor found = match(manifests, wanted);
        if (found == null && fallbackToAmd64 && !wanted.equals("linux/amd64")) {
            found = match(manifests, "linux/amd64");
        }
        if (found != null) {
            return found;
        }
        List<String> offered = new ArrayList<>();
        for (Descriptor d : manifests) {
            offered.add(d.hasPlatform() ? d.platform() : d.digest());
        }
        throw new ImageReadException(where + ": no image for platform " + wanted + " in the index; it offers "
                + String.join(", ", offered));
    }

    private static Descriptor match(List<Descriptor> manifests, String wanted) {
        String[] w = wanted.split("/");
        Descriptor any = null;
        for (Descriptor d : manifests) {
            if (!d.hasPlatform() || !d.os().equals(w[0]) || !d.architecture().equals(w.length > 1 ? w[1] : "")) {
                continue;
            }
            String variant = d.variant() == null ? "" : d.variant();
            if (w.length > 2) {
                if (variant.equals(w[2]) || (variant.isEmpty() && w[1].equals("arm64") && w[2].equals("v8"))) {
                    return d;
                }
            } else if (any == null) {
                any = d;
            }
        }
        return any;
    }
}
