package dev.imageregistry.snapshot.queries;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.BlockIndex;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.persistence.BlockDownloadUrls;
import dev.imageregistry.snapshot.persistence.BlockMapRows;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.snapshot.persistence.SnapshotRow;

/** Reading blocks: ListSnapshotBlocks (with direct-download URLs when asked), ListChangedBlocks, GetSnapshotBlock. */
@ApplicationScoped
public class BlockQueries {
    private static final int MAX_RESULTS_LIMIT = 10_000;

    private final SnapshotQueries snapshots;
    private final BlockMapRows maps;
    private final BlockObjects objects;
    private final BlockDownloadUrls downloadUrls;

    public BlockQueries(SnapshotQueries snapshots, BlockMapRows maps, BlockObjects objects,
            BlockDownloadUrls downloadUrls) {
        this.snapshots = snapshots;
        this.maps = maps;
        this.objects = objects;
        this.downloadUrls = downloadUrls;
    }

    /**
     * Checksum (base64) is an addition to EBS's shape: it lets an incremental upload skip unchanged blocks, and a
     * direct download verify what it read from S3. DownloadUrl (only when asked for) is a presigned S3 GET of the
     * block's object.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BlockEntry(int blockIndex, String blockToken, String checksum, String downloadUrl) {
    }

    /**
     * DownloadUrlsExpireAt (an addition, as the URLs are) in epoch seconds, a JSON number as EBS's own timestamps
     * are (a number, not an Instant with a format annotation, which the serialization of this answer ignored).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SnapshotBlocks(List<BlockEntry> blocks, Integer volumeSize, int blockSize, String nextToken,
            Long downloadUrlsExpireAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChangedBlock(int blockIndex, String firstBlockToken, String secondBlockToken) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChangedBlocks(List<ChangedBlock> changedBlocks, Integer volumeSize, int blockSize, String nextToken) {
    }

    public record BlockData(byte[] data, BlockChecksum checksum) {
    }

    /**
     * ListSnapshotBlocks. With download URLs, each listed block carries a presigned S3 GET of its object: the read
     * was authorised here (the same rule as GetSnapshotBlock), so the bytes need not pass through the service.
     * Never-written blocks are not listed and have no URL: they read as zeros.
     */
    public SnapshotBlocks list(String caller, String snapshotId, Long startingBlockIndex, Integer maxResults,
            String nextToken, boolean withDownloadUrls) {
        SnapshotRow snapshot = snapshots.readable(caller, snapshotId);
        // Taken before signing: the URLs live at least until then.
        Instant expireAt = withDownloadUrls ? downloadUrls.expiresAt().truncatedTo(ChronoUnit.SECONDS) : null;
        long start = startIndex(startingBlockIndex, nextToken);
        int limit = limit(maxResults);
        List<BlockEntry> blocks = new ArrayList<>();
        for (BlockMapRows.Entry entry : maps.list(snapshotId, start, limit + 1)) {
            BlockChecksum checksum = BlockChecksum.fromHex(entry.checksumHex());
            blocks.add(new BlockEntry(entry.index(), checksum.token(), checksum.base64(),
                    withDownloadUrls ? downloadUrls.of(checksum) : null));
        }
        String next = null;
        if (blocks.size() > limit) {
            next = Integer.toString(blocks.remove(limit).blockIndex());
        }
        return new SnapshotBlocks(blocks, snapshot.volumeSize(), BlockChecksum.BLOCK_SIZE, next,
                expireAt == null ? null : expireAt.getEpochSecond());
    }

    /**
     * ListChangedBlocks: indexes whose content differs between two snapshots (a block present in only one of
     * them counts as changed). Without a first snapshot, every block of the second.
     */
    public ChangedBlocks changed(String caller, String firstSnapshotId, String secondSnapshotId,
            Long startingBlockIndex, Integer maxResults, String nextToken) {
        SnapshotRow second = snapshots.readable(caller, secondSnapshotId);
        String first = firstSnapshotId == null ? null : snapshots.readable(caller, firstSnapshotId).snapshotId();
        long start = startIndex(startingBlockIndex, nextToken);
        int limit = limit(maxResults);
        List<ChangedBlock> blocks = new ArrayList<>();
        for (BlockMapRows.Difference difference : maps.differences(first, second.snapshotId(), start, limit + 1)) {
            blocks.add(new ChangedBlock(difference.index(), token(difference.firstHex()), token(difference.secondHex())));
        }
        String next = null;
        if (blocks.size() > limit) {
            next = Integer.toString(blocks.remove(limit).blockIndex());
        }
        return new ChangedBlocks(blocks, second.volumeSize(), BlockChecksum.BLOCK_SIZE, next);
    }

    /** GetSnapshotBlock; a block never written reads as zeros. A BlockToken, when given, must name the content. */
    public BlockData get(String caller, String snapshotId, long blockIndex, String blockToken) {
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        BlockMapRows.Located located = maps.readableAt(caller, snapshotId, blockIndex)
                .orElseThrow(() -> Snapshot.notFound(snapshotId));
        BlockIndex.requireInside(blockIndex, located.volumeSize());
        if (located.checksumHex() == null) {
            if (blockToken != null && !blockToken.equals(BlockChecksum.ZERO_TOKEN)) {
                throw Ec2Exception.invalidParameter("The BlockToken does not belong to this block.");
            }
            return new BlockData(new byte[BlockChecksum.BLOCK_SIZE], BlockChecksum.ZERO_BLOCK);
        }
        BlockChecksum checksum = BlockChecksum.fromHex(located.checksumHex());
        if (blockToken != null && !blockToken.equals(checksum.token())) {
            throw Ec2Exception.invalidParameter("The BlockToken does not belong to this block.");
        }
        return new BlockData(objects.get(checksum), checksum);
    }

    private static String token(String hex) {
        return hex == null ? null : BlockChecksum.fromHex(hex).token();
    }

    private static long startIndex(Long startingBlockIndex, String nextToken) {
        if (nextToken != null) {
            try {
                long start = Long.parseLong(nextToken);
                if (start >= 0) {
                    return start;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
            throw Ec2Exception.badRequest("InvalidPaginationToken", "The pageToken is not a NextToken this call answered.");
        }
        if (startingBlockIndex != null && startingBlockIndex < 0) {
            throw Ec2Exception.invalidParameter("startingBlockIndex must not be negative.");
        }
        return startingBlockIndex == null ? 0 : startingBlockIndex;
    }

    private static int limit(Integer maxResults) {
        if (maxResults == null) {
            return MAX_RESULTS_LIMIT;
        }
        if (maxResults < 100 || maxResults > MAX_RESULTS_LIMIT) {
            throw Ec2Exception.invalidParameter("maxResults must be 100 to 10000.");
        }
        return maxResults;
    }
}
