/**
 * Reading container images: from a reference to the final filesystem, with every layer entry shown to
 * {@link io.driftwatch.scanner.image.LayerVisitor}s on the way. Start at
 * {@link io.driftwatch.scanner.image.ImageReaders#standard()}.
 *
 * <h2>Transports</h2>
 * <ul>
 *   <li>{@code oci:DIR[:TAG]} ({@code OciLayoutReader}): index.json's entry whose
 *       {@code org.opencontainers.image.ref.name} is TAG; with no tag, the only entry (several untagged entries are
 *       accepted only when each names a platform). An entry that is an index — nested to any sane depth — is resolved
 *       to the platform ({@code Platforms}: linux/host arch, else linux/amd64; {@code ImageReaders.forPlatform} for an
 *       exact one; buildkit's "unknown/unknown" attestations are skipped). Errors list the tags or platforms there are.
 *   <li>{@code oci-archive:FILE[:TAG]}: the same over a tar, read in place through commons-compress's {@code TarFile}
 *       (headers indexed once, members read by seeking); a gzip/zstd-compressed archive is first inflated to a temp
 *       file that is deleted afterwards.
 *   <li>{@code docker-archive:FILE[:NAME:TAG|:@N]} ({@code DockerArchiveReader}): manifest.json → config + layer tars
 *       ("&lt;id&gt;/layer.tar", "&lt;hex&gt;.tar", "blobs/sha256/&lt;hex&gt;"; skopeo's symlinked legacy entries
 *       resolve). Layers named by digest are verified as stored; others against the config's diff ids, uncompressed.
 *       The digest is the config digest (image ID), or the manifest's from an OCI index inside (Docker 25+).
 *   <li>{@code dir:ROOTFS} ({@code RootfsReader}): one pseudo-layer; symlinks never followed; modes and owners from
 *       {@code unix:} attributes; digest = SHA-256 of a canonical listing (see the class).
 *   <li>{@code docker://[REGISTRY/]NAME[:TAG|@DIGEST]} ({@code RegistryReader}): the distribution API over the JDK
 *       HttpClient; Docker Hub short names → registry-1.docker.io/library/NAME; answers Basic and Bearer challenges;
 *       {@code tlsVerify=false} tries https trusting any certificate, then plain http.
 * </ul>
 * Every transport ends in {@code ManifestResolver} (index → manifest → config, each digest-checked; Docker schema 1
 * and non-image artifacts refused) and {@code LayerReading} (one pass per blob: size and digest checked while
 * streaming, compression sniffed from the magic bytes — gzip 1f8b, zstd 28b52ffd, else plain tar — whatever the
 * media type claims). A corrupted blob fails the read with "digest mismatch", even when it first breaks gzip.
 *
 * <h2>How layers apply ({@code LayerApplier})</h2>
 * Bottom first, into a sorted map path → {@link io.driftwatch.scanner.image.ImageEntry}:
 * <ul>
 *   <li>Names are normalised ("./usr//bin/" → "/usr/bin"); ".." resolves lexically; a name (or hard-link target)
 *       climbing above "/" is never applied and goes to {@code LayerVisitor.rejected}.
 *   <li>{@code .wh.NAME} deletes NAME and its subtree <em>from lower layers</em>; {@code .wh..wh..opq} empties its
 *       directory of lower-layer contents but keeps the directory. A layer's whiteouts never touch its own entries,
 *       whichever comes first in the tar (an entry's {@code layer} index tells whose it is). Other {@code .wh..wh.}
 *       names (aufs bookkeeping) are ignored. Visitors get {@code whiteout(...)} for each, in tar order.
 *   <li>A non-directory over a lower directory removes that directory's subtree; a directory over a directory merges.
 *   <li>Missing parents are created as 0755 root directories; "/" always exists. Symlinked parents are not followed.
 *   <li>Hard links carry their target's digest, mode and owner (same inode); size is 0 as for every non-FILE.
 * </ul>
 * Regular files are SHA-256'd as they stream (1 MiB reads); only files up to {@code contentLimitBytes} are held, to
 * hand to visitors. Progress: {@code layerStarted}, {@code advanced} about every 8 MiB of blob, {@code layerDone}.
 * Visitors see a layer's entries before its digest is confirmed (it is checked at the blob's end): when a read fails,
 * drop whatever they gathered.
 *
 * <p>Tests build images with {@code io.driftwatch.scanner.testing.TestImages} (test sources); {@code *IT} classes
 * check against skopeo, umoci and Debian's docker-registry.
 */
package io.driftwatch.scanner.image;
