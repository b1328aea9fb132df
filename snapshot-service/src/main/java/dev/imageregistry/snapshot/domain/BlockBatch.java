package dev.imageregistry.snapshot.domain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.imageregistry.platform.errors.Ec2Exception;

/** The blocks of a direct-upload call (block-uploads, block-references), as the client names them. */
public record BlockBatch(List<BlockRef> blocks) {
    /** The most blocks one direct-upload call names (about 50 MiB of data; the answer stays a few hundred KiB). */
    public static final int MAX_BATCH = 100;

    /** One block of a batch: its index and its base64 SHA-256. */
    public record BlockRef(Integer blockIndex, String checksum) {
    }

    /** A block of a batch once its parameters were checked. */
    public record NamedBlock(int index, BlockChecksum checksum) {
    }

    /**
     * Checks a batch as PutSnapshotBlock checks one block's parameters (1 to 100 blocks, each with an index of at
     * least 0 and a base64 SHA-256, no index twice); a bad one refuses the whole batch.
     */
    public static List<NamedBlock> named(BlockBatch batch) {
        if (batch == null || batch.blocks() == null || batch.blocks().isEmpty()) {
            throw Ec2Exception.missingParameter("Blocks");
        }
        if (batch.blocks().size() > MAX_BATCH) {
            throw Ec2Exception.invalidParameter("At most " + MAX_BATCH + " Blocks per request.");
        }
        List<NamedBlock> named = new ArrayList<>();
        Set<Integer> indexes = new HashSet<>();
        for (BlockRef ref : batch.blocks()) {
            if (ref == null || ref.blockIndex() == null) {
                throw Ec2Exception.missingParameter("BlockIndex");
            }
            BlockIndex.requireNotNegative(ref.blockIndex());
            if (ref.checksum() == null) {
                throw Ec2Exception.missingParameter("Checksum");
            }
            BlockChecksum checksum = BlockChecksum.fromBase64(ref.checksum());
            if (checksum == null) {
                throw Ec2Exception.invalidParameter("Checksum must be a base64 SHA-256 (block " + ref.blockIndex() + ").");
            }
            if (!indexes.add(ref.blockIndex())) {
                throw Ec2Exception.invalidParameter("BlockIndex " + ref.blockIndex() + " is named twice.");
            }
            named.add(new NamedBlock(ref.blockIndex(), checksum));
        }
        return named;
    }

    /** The highest index of checked blocks: what decides whether the batch fits the volume. */
    public static int highestIndex(List<NamedBlock> named) {
        return named.stream().mapToInt(NamedBlock::index).max().orElseThrow();
    }
}
