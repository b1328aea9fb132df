package dev.imageregistry.replicator.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;

/** Source snapshots as a source Region's stream gives them, for the copy job's given/when/then tests. */
final class SourceSnapshots {
    private SourceSnapshots() {
    }

    /** Blocks 0 … {@code blockCount}-1, each of its own content, with the map checksum published right. */
    static SourceSnapshot of(String snapshotId, String owner, int blockCount, int volumeSize) {
        List<SourceSnapshot.Block> blocks = blocks(blockCount);
        SourceSnapshot unchecked = new SourceSnapshot(snapshotId, owner, volumeSize, "", blocks);
        return new SourceSnapshot(snapshotId, owner, volumeSize, unchecked.computedMapChecksum(), blocks);
    }

    static List<SourceSnapshot.Block> blocks(int count) {
        List<SourceSnapshot.Block> blocks = new ArrayList<>(count);
        IntStream.range(0, count).forEach(i -> blocks.add(new SourceSnapshot.Block(i, checksum("block " + i))));
        return blocks;
    }

    static String checksum(String content) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(content.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
