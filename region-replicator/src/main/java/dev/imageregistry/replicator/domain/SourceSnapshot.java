package dev.imageregistry.replicator.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/**
 * A source snapshot's owner, full block map (blocks that hold data, in index order) and the checksum published with
 * it; {@code volumeSize} is 0 when its Region did not publish one.
 */
public record SourceSnapshot(String snapshotId, String ownerId, int volumeSize, String mapChecksum,
        List<Block> blocks) {

    /** EBS's block size: a block map's index counts blocks of this many bytes. */
    public static final int BLOCK_SIZE = 512 * 1024;
    private static final long GIB = 1L << 30;

    public record Block(int index, String checksum) {
    }

    /** EBS's LINEAR aggregation over the map: SHA-256 over each block's raw SHA-256, in index order. */
    public String computedMapChecksum() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Block block : blocks) {
                digest.update(Base64.getDecoder().decode(block.checksum()));
            }
            return Base64.getEncoder().encodeToString(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The smallest volume, in whole GiB (at least 1), that holds the map's last block. */
    public int sizeHoldingItsBlocks() {
        long end = blocks.isEmpty() ? 0 : (blocks.get(blocks.size() - 1).index() + 1L) * BLOCK_SIZE;
        return (int) Math.max(1, (end + GIB - 1) / GIB);
    }
}
