package dev.imageregistry.replicator.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;

/** A source snapshot's full block map (blocks that hold data, in index order) and the checksum published with it. */
public record SourceSnapshot(String snapshotId, int volumeSize, String mapChecksum, List<Block> blocks) {

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
}
