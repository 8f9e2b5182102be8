package io.driftwatch.scanner.image;

import java.util.regex.Pattern;

/**
 * {@code docker://[REGISTRY/]NAME[:TAG][@DIGEST]} as docker names images: the first component is a registry when it
 * has a '.' or ':' or is "localhost"; otherwise the image is on Docker Hub (registry-1.docker.io), where a one-part
 * name is under "library/". The tag defaults to "latest" unless a digest is given.
 *
 * @param registry   host[:port] to connect to
 * @param repository the repository path ("library/alpine")
 * @param tag        the tag, or null when only a digest names the image
 * @param digest     "sha256:..." when given (the manifest fetched must match it), else null
 */
record RegistryReference(String registry, String repository, String tag, String digest) {
    static final String DOCKER_HUB = "registry-1.docker.io";
    private static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    /** Parses what follows "docker://". */
    static RegistryReference parse(String name) throws ImageReadException {
        String rest = name;
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!Digests.valid(digest)) {
                throw new ImageReadException("docker://" + name + ": '" + digest + "' is not a sha256 digest");
            }
        }
        String registry = "docker.io";
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new ImageReadException("docker://" + name + ": '" + tag + "' is not a valid tag");
            }
        }
        if (registry.equals("docker.io") || registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
            if (!rest.contains("/")) {
                rest = "library/" + rest;
            }
        }
        if (!REPOSITORY.matcher(rest).matches()) {
            throw new ImageReadException("docker://" + name + ": '" + rest + "' is not a valid repository name "
                    + "(lower-case letters, digits, '.', '_', '-', '/')");
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        return new RegistryReference(registry, rest, tag, digest);
    }

    /** The tag or digest to fetch the manifest by (the digest when both are given, as docker does). */
    String manifestReference() {
        return digest != null ? digest : tag;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
