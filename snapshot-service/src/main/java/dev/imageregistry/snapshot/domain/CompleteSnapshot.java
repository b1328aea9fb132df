package dev.imageregistry.snapshot.domain;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * CompleteSnapshot's parameters, checked: the count of blocks the client wrote in this snapshot and, optionally,
 * their LINEAR SHA-256 aggregate ({@code checksum} null when not given).
 */
public record CompleteSnapshot(long changedBlocksCount, BlockChecksum checksum) {

    public static CompleteSnapshot of(Long changedBlocksCount, String checksum, String checksumAlgorithm,
            String checksumAggregationMethod) {
        if (changedBlocksCount == null) {
            throw Ec2Exception.missingParameter("ChangedBlocksCount");
        }
        if (changedBlocksCount < 0) {
            throw Ec2Exception.invalidParameter("ChangedBlocksCount must not be negative.");
        }
        BlockChecksum expected = null;
        if (checksum != null) {
            expected = BlockChecksum.fromBase64(checksum);
            if (expected == null) {
                throw Ec2Exception.invalidParameter("Checksum must be a base64 SHA-256.");
            }
            if (checksumAlgorithm != null && !BlockChecksum.ALGORITHM.equals(checksumAlgorithm)) {
                throw Ec2Exception.invalidParameter("ChecksumAlgorithm must be SHA256.");
            }
            if (checksumAggregationMethod != null && !"LINEAR".equals(checksumAggregationMethod)) {
                throw Ec2Exception.invalidParameter("ChecksumAggregationMethod must be LINEAR.");
            }
        }
        return new CompleteSnapshot(changedBlocksCount, expected);
    }
}
