package io.driftwatch.agent.runtime;

import io.driftwatch.model.ContainerMetadata;
import java.nio.file.Path;
import java.util.Map;

/**
 * One container as the runtime watcher found it on this node.
 *
 * @param id         the runtime's container id (the key of every record about it)
 * @param runtime    {@code runc} or {@code containerd}
 * @param rootfs     the root filesystem as the host (the agent's mount namespace) sees it
 * @param initPid    host pid of the container's first process, or null when unknown
 * @param startedAt  epoch ms the runtime created it
 * @param stoppedAt  epoch ms the watcher saw it gone, or null while running
 * @param containerName from the runtime's annotations (CRI or CRI-O), or null
 * @param podName    from the annotations, or null outside Kubernetes
 * @param namespace  from the annotations, or null outside Kubernetes
 * @param podUid     from the annotations, or null
 * @param image      from the annotations, or null
 * @param labels     every annotation, as the runtime gave it
 * @param privileged whether the container runs with all capabilities (CAP_SYS_ADMIN in its bounding set)
 */
public record ContainerInfo(String id, String runtime, Path rootfs, Integer initPid, long startedAt, Long stoppedAt,
        String containerName, String podName, String namespace, String podUid, String image,
        Map<String, String> labels, boolean privileged) {

    public ContainerInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public ContainerInfo stopped(long at) {
        return new ContainerInfo(id, runtime, rootfs, initPid, startedAt, at, containerName, podName, namespace, podUid,
                image, labels, privileged);
    }

    /** Annotation naming the image's manifest digest ("sha256:..."), for runtimes that do not pin the image by digest. */
    public static final String IMAGE_DIGEST_ANNOTATION = "io.driftwatch.image.digest";

    /**
     * The image's manifest digest, which the streams app looks image baselines up by (image drift): the
     * {@value #IMAGE_DIGEST_ANNOTATION} annotation when present, else the digest of an image reference pinned with
     * {@code @sha256:...} (a pod spec's {@code image: registry/name@sha256:...}), else null. CRI annotations carry the
     * image's name, not the digest it resolved to; CRI-O's ImageRef is the config digest, which baselines are not keyed
     * by.
     */
    public String imageDigest() {
        String annotated = labels.get(IMAGE_DIGEST_ANNOTATION);
        if (annotated != null && annotated.matches("sha256:[0-9a-f]{64}")) {
            return annotated;
        }
        if (image != null) {
            int at = image.lastIndexOf("@sha256:");
            if (at >= 0 && image.substring(at + 1).matches("sha256:[0-9a-f]{64}")) {
                return image.substring(at + 1);
            }
        }
        return null;
    }

    /** The record the agent publishes to the container-metadata topic. */
    public ContainerMetadata toMetadata(String node) {
        return ContainerMetadata.newBuilder()
                .setContainerId(id)
                .setNode(node)
                .setRuntime(runtime)
                .setContainerName(containerName)
                .setImage(image)
                .setImageDigest(imageDigest())
                .setPodName(podName)
                .setNamespace(namespace)
                .setPodUid(podUid)
                .setLabels(labels)
                .setPrivileged(privileged)
                .setStartedAt(startedAt)
                .setStoppedAt(stoppedAt)
                .setRootfs(rootfs == null ? null : rootfs.toString())
                .setInitPid(initPid)
                .build();
    }
}
