package dev.imageregistry.snapshot.blocks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.snapshots.SnapshotRecord;
import dev.imageregistry.snapshot.snapshots.Snapshots;

/**
 * The blocks of snapshots: writing one (verified, stored once per content), listing a snapshot's map, the blocks
 * that differ between two snapshots, and reading one back.
 *
 * <p>A write runs in three steps, each safe on its own: (1) touch the block's row, which keeps garbage
 * collection away for the grace window; (2) store the object if no earlier write did; (3) reference it from the
 * snapshot's map. If S3 fails at (2) the map never points at the block; if garbage collection removed the row
 * in between (an upload stalled past the grace window), the foreign key refuses (3) and the client retries.
 */
@ApplicationScoped
public class BlockMap {
    private static final int MAX_RESULTS_LIMIT = 10_000;

    private final DataSource db;
    private final Snapshots snapshots;
    private final BlockObjects objects;
    private final BlockDownloadUrls downloadUrls;

    public BlockMap(DataSource db, Snapshots snapshots, BlockObjects objects, BlockDownloadUrls downloadUrls) {
        this.db = db;
        this.snapshots = snapshots;
        this.objects = objects;
        this.downloadUrls = downloadUrls;
    }

    public record BlockWritten(String checksum, String checksumAlgorithm) {
    }

    /**
     * Checksum (base64) is an addition to EBS's shape: it lets an incremental upload skip unchanged blocks, and a
     * direct download verify what it read from S3. DownloadUrl (only when asked for) is a presigned S3 GET of the
     * block's object.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BlockEntry(int blockIndex, String blockToken, String checksum, String downloadUrl) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SnapshotBlocks(List<BlockEntry> blocks, int volumeSize, int blockSize, String nextToken,
            Instant downloadUrlsExpireAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChangedBlock(int blockIndex, String firstBlockToken, String secondBlockToken) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ChangedBlocks(List<ChangedBlock> changedBlocks, int volumeSize, int blockSize, String nextToken) {
    }

    public record BlockData(byte[] data, BlockChecksum checksum) {
    }

    public BlockWritten put(String caller, String snapshotId, long blockIndex, byte[] data, String checksumHeader,
            String algorithmHeader, Long dataLength) {
        if (algorithmHeader != null && !BlockChecksum.ALGORITHM.equals(algorithmHeader)) {
            throw Ec2Exception.invalidParameter("x-amz-Checksum-Algorithm must be SHA256.");
        }
        if (checksumHeader == null) {
            throw Ec2Exception.missingParameter("x-amz-Checksum");
        }
        BlockChecksum claimed = BlockChecksum.fromBase64(checksumHeader);
        if (claimed == null) {
            throw Ec2Exception.invalidParameter("x-amz-Checksum must be a base64 SHA-256.");
        }
        if (data == null || data.length != BlockChecksum.BLOCK_SIZE
                || (dataLength != null && dataLength != BlockChecksum.BLOCK_SIZE)) {
            throw Ec2Exception.invalidParameter("A block is exactly " + BlockChecksum.BLOCK_SIZE + " bytes.");
        }
        BlockChecksum actual = BlockChecksum.of(data);
        if (!actual.matches(claimed)) {
            throw Ec2Exception.invalidParameter("The block's data does not match its x-amz-Checksum; nothing was stored.");
        }
        Snapshots.checkId(snapshotId);
        if (blockIndex < 0) {
            throw Ec2Exception.invalidParameter("BlockIndex must not be negative.");
        }
        boolean stored = admit(caller, snapshotId, blockIndex, actual);
        if (!stored) {
            objects.put(actual, data);
        }
        reference(caller, snapshotId, (int) blockIndex, actual, !stored);
        return new BlockWritten(actual.base64(), BlockChecksum.ALGORITHM);
    }

    /**
     * One round trip (a block write is latency-bound): checks that the caller's snapshot is pending and holds the
     * index, and only then touches the block's row (which keeps garbage collection away for the grace window).
     * Returns true when the block's object is already in the bucket.
     */
    private boolean admit(String caller, String snapshotId, long blockIndex, BlockChecksum checksum) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "with s as (select volume_size, state from snapshot where snapshot_id = ? and owner_id = ?), "
                        + "b as (insert into block (checksum, stored, touched_at) select ?, false, now() from s "
                        + "where s.state = 'pending' and ? < s.volume_size::bigint * 2048 "
                        + "on conflict (checksum) do update set touched_at = now() returning stored) "
                        + "select s.volume_size, s.state, (select stored from b) from s")) {
            s.setString(1, snapshotId);
            s.setString(2, caller);
            s.setString(3, checksum.hex());
            s.setLong(4, blockIndex);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw Snapshots.notFound(snapshotId);
                }
                if (!"pending".equals(rs.getString(2))) {
                    throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is " + rs.getString(2) + ".");
                }
                long capacity = rs.getLong(1) * 2048;
                if (blockIndex >= capacity) {
                    throw Ec2Exception.invalidParameter("BlockIndex " + blockIndex + " is outside the volume (0 to "
                            + (capacity - 1) + ").");
                }
                return rs.getBoolean(3);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void reference(String caller, String snapshotId, int blockIndex, BlockChecksum checksum,
            boolean justStored) {
        int rows;
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                // A block just PUT is marked stored in the same statement (one round trip less).
                (justStored ? "with m as (update block set stored = true where checksum = ?) " : "")
                        // FOR SHARE: completion (FOR UPDATE) waits for in-flight writes and then sees them all.
                        + "insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                        + "select snapshot_id, ?, ?, true from snapshot where snapshot_id = ? and owner_id = ? "
                        + "and state = 'pending' for share "
                        + "on conflict (snapshot_id, block_index) do update set checksum = excluded.checksum, changed = true")) {
            int p = 1;
            if (justStored) {
                s.setString(p++, checksum.hex());
            }
            s.setInt(p++, blockIndex);
            s.setString(p++, checksum.hex());
            s.setString(p++, snapshotId);
            s.setString(p, caller);
            rows = s.executeUpdate();
        } catch (SQLException e) {
            if ("23503".equals(e.getSQLState())) {
                throw new Ec2Exception(503, "ServiceUnavailable", "The block was collected while being written; retry the request.");
            }
            throw new IllegalStateException(e);
        }
        if (rows == 0) {
            throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is no longer pending.");
        }
    }

    /**
     * ListSnapshotBlocks. With download URLs, each listed block carries a presigned S3 GET of its object: the read
     * was authorised here (the same rule as GetSnapshotBlock), so the bytes need not pass through the service.
     * Never-written blocks are not listed and have no URL: they read as zeros.
     */
    public SnapshotBlocks list(String caller, String snapshotId, Long startingBlockIndex, Integer maxResults,
            String nextToken, boolean withDownloadUrls) {
        SnapshotRecord snapshot = snapshots.readable(caller, snapshotId);
        // Taken before signing: the URLs live at least until then.
        Instant expireAt = withDownloadUrls ? downloadUrls.expiresAt().truncatedTo(ChronoUnit.SECONDS) : null;
        long start = startIndex(startingBlockIndex, nextToken);
        int limit = limit(maxResults);
        List<BlockEntry> blocks = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select block_index, checksum from snapshot_block where snapshot_id = ? and block_index >= ? "
                        + "order by block_index limit ?")) {
            s.setString(1, snapshotId);
            s.setLong(2, start);
            s.setInt(3, limit + 1);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    BlockChecksum checksum = BlockChecksum.fromHex(rs.getString(2));
                    blocks.add(new BlockEntry(rs.getInt(1), token(rs.getString(2)), checksum.base64(),
                            withDownloadUrls ? downloadUrls.of(checksum) : null));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        String next = null;
        if (blocks.size() > limit) {
            next = Integer.toString(blocks.remove(limit).blockIndex());
        }
        return new SnapshotBlocks(blocks, snapshot.volumeSize(), BlockChecksum.BLOCK_SIZE, next, expireAt);
    }

    /**
     * ListChangedBlocks: indexes whose content differs between two snapshots (a block present in only one of
     * them counts as changed). Without a first snapshot, every block of the second.
     */
    public ChangedBlocks changed(String caller, String firstSnapshotId, String secondSnapshotId,
            Long startingBlockIndex, Integer maxResults, String nextToken) {
        SnapshotRecord second = snapshots.readable(caller, secondSnapshotId);
        String first = firstSnapshotId == null ? null : snapshots.readable(caller, firstSnapshotId).snapshotId();
        long start = startIndex(startingBlockIndex, nextToken);
        int limit = limit(maxResults);
        List<ChangedBlock> blocks = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select coalesce(a.block_index, b.block_index) as idx, a.checksum, b.checksum "
                        + "from (select block_index, checksum from snapshot_block where snapshot_id = ?) a "
                        + "full join (select block_index, checksum from snapshot_block where snapshot_id = ?) b "
                        + "on a.block_index = b.block_index "
                        + "where a.checksum is distinct from b.checksum and coalesce(a.block_index, b.block_index) >= ? "
                        + "order by idx limit ?")) {
            s.setString(1, first);
            s.setString(2, second.snapshotId());
            s.setLong(3, start);
            s.setInt(4, limit + 1);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    blocks.add(new ChangedBlock(rs.getInt(1), token(rs.getString(2)), token(rs.getString(3))));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        String next = null;
        if (blocks.size() > limit) {
            next = Integer.toString(blocks.remove(limit).blockIndex());
        }
        return new ChangedBlocks(blocks, second.volumeSize(), BlockChecksum.BLOCK_SIZE, next);
    }

    /**
     * GetSnapshotBlock; a block never written reads as zeros. One query answers both "may the caller read this
     * snapshot" and "which content is at this index": a download makes thousands of these calls.
     */
    public BlockData get(String caller, String snapshotId, long blockIndex, String blockToken) {
        Snapshots.checkId(snapshotId);
        long capacity;
        String hex = null;
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "select s.volume_size, sb.checksum from snapshot s left join snapshot_block sb "
                        + "on sb.snapshot_id = s.snapshot_id and sb.block_index = ? "
                        + "where s.snapshot_id = ? and " + Snapshots.READABLE)) {
            s.setLong(1, blockIndex);
            s.setString(2, snapshotId);
            s.setString(3, caller);
            s.setString(4, caller);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw Snapshots.notFound(snapshotId);
                }
                capacity = rs.getLong(1) * 2048;
                hex = rs.getString(2);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        if (blockIndex < 0 || blockIndex >= capacity) {
            throw Ec2Exception.invalidParameter("BlockIndex " + blockIndex + " is outside the volume (0 to "
                    + (capacity - 1) + ").");
        }
        if (hex == null) {
            if (blockToken != null && !blockToken.equals(ZERO_TOKEN)) {
                throw Ec2Exception.invalidParameter("The BlockToken does not belong to this block.");
            }
            return new BlockData(new byte[BlockChecksum.BLOCK_SIZE], BlockChecksum.ZERO_BLOCK);
        }
        if (blockToken != null && !blockToken.equals(token(hex))) {
            throw Ec2Exception.invalidParameter("The BlockToken does not belong to this block.");
        }
        BlockChecksum checksum = BlockChecksum.fromHex(hex);
        return new BlockData(objects.get(checksum), checksum);
    }

    /** The token of a never-written block, for clients that ask for one anyway. */
    public static final String ZERO_TOKEN = "zero";

    /** Block tokens are the URL-safe form of the block's checksum: they name content, not a location. */
    static String token(String hex) {
        return hex == null ? null
                : Base64.getUrlEncoder().withoutPadding().encodeToString(BlockChecksum.fromHex(hex).raw());
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
            throw Ec2Exception.badRequest("InvalidPaginationToken", "The NextToken is not valid.");
        }
        if (startingBlockIndex != null && startingBlockIndex < 0) {
            throw Ec2Exception.invalidParameter("StartingBlockIndex must not be negative.");
        }
        return startingBlockIndex == null ? 0 : startingBlockIndex;
    }

    private static int limit(Integer maxResults) {
        if (maxResults == null) {
            return MAX_RESULTS_LIMIT;
        }
        if (maxResults < 100 || maxResults > MAX_RESULTS_LIMIT) {
            throw Ec2Exception.invalidParameter("MaxResults must be 100 to 10000.");
        }
        return maxResults;
    }
}
