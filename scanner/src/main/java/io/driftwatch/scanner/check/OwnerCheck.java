package io.driftwatch.scanner.check;

import io.driftwatch.scanner.image.EntryKind;
import io.driftwatch.scanner.image.ImageEntry;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code type: owner}: every path matching {@code paths} (less {@code allow}) is owned by one of {@code uid} and
 * belongs to one of {@code gid} (either may be left out). Symbolic links are not looked at.
 */
public final class OwnerCheck extends FinalFilesystemCheck {
    private final Set<Long> uids;
    private final Set<Long> gids;

    public OwnerCheck(CheckInfo info, PathFilter filter, List<Long> uids, List<Long> gids) {
        super(info, filter);
        this.uids = Set.copyOf(uids);
        this.gids = Set.copyOf(gids);
    }

    @Override
    void check(ImageEntry entry, FindingSink sink) {
        if (entry.kind() == EntryKind.SYMLINK) {
            return;
        }
        boolean badUid = !uids.isEmpty() && !uids.contains(entry.uid());
        boolean badGid = !gids.isEmpty() && !gids.contains(entry.gid());
        if (badUid || badGid) {
            StringBuilder expected = new StringBuilder();
            if (badUid) {
                expected.append("uid ").append(list(uids));
            }
            if (badGid) {
                expected.append(expected.length() > 0 ? " and " : "").append("gid ").append(list(gids));
            }
            report(sink, entry, entry.path() + " is owned by uid " + entry.uid() + ", gid " + entry.gid() + "; expected " + expected);
        }
    }

    private static String list(Set<Long> ids) {
        return ids.stream().sorted().map(String::valueOf).collect(Collectors.joining(" or "));
    }
}
