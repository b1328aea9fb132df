package dev.imageregistry.snapshot.blocks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.platform.errors.Ec2Exception;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.narayana.jta.QuarkusTransactionException;
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
 *
 * <p>A direct upload runs the same three steps with the client doing (2): {@link #uploads} is (1) for a batch and
 * hands out S3 PUTs the service signed for exactly those contents; {@link #references} is (3), and since it cannot
 * take the client's word that (2) happened, in one transaction it locks the batch's block rows (garbage collection
 * skips locked rows, and a row it already deleted is reported, never re-created here), checks with a HEAD that
 * every object not yet marked stored is in the bucket, marks them stored and references them. A block whose row
 * or object is missing refuses the whole batch, and the rollback leaves nothing changed.
 */
@ApplicationScoped
public class BlockMap {
    private static final int MAX_RESULTS_LIMIT = 10_000;

    private final DataSource db;
    private final Snapshots snapshots;
    private final BlockObjects objects;
    private final BlockDownloadUrls downloadUrls;

    private final BlockUploadRequests uploadRequests;

    public BlockMap(DataSource db, Snapshots snapshots, BlockObjects objects, BlockDownloadUrls downloadUrls,
            BlockUploadRequests uploadRequests) {
        this.db = db;
        this.snapshots = snapshots;
        this.objects = objects;
        this.downloadUrls = downloadUrls;
        this.uploadRequests = uploadRequests;
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

    /** One block of a direct-upload batch, as the client names it: its index and its base64 SHA-256. */
    public record BlockRef(Integer blockIndex, String checksum) {
    }

    public record BlockBatch(List<BlockRef> blocks) {
    }

    /**
     * Either Stored (the bucket already holds this content: nothing to send, reference it) or a signed PUT: Url
     * and the Headers to send with it, exactly.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BlockUpload(int blockIndex, String checksum, Boolean stored, String url, Map<String, String> headers) {
    }

    /** UploadsExpireAt: S3 refuses the signed PUTs after this (its 15-minute window for a request's date). */
    public record BlockUploads(List<BlockUpload> blockUploads, Instant uploadsExpireAt) {
    }

    public record BlocksReferenced(int blocksReferenced) {
    }

    /** The most blocks one direct-upload call names (about 50 MiB of data; the answer stays a few hundred KiB). */
    public static final int MAX_BATCH = 100;

    private record Named(int index, BlockChecksum checksum) {
    }

    /** Checks a batch as PutSnapshotBlock checks one block's parameters; a bad one refuses the whole batch. */
    private static List<Named> named(String snapshotId, BlockBatch batch) {
        Snapshots.checkId(snapshotId);
        if (batch == null || batch.blocks() == null || batch.blocks().isEmpty()) {
            throw Ec2Exception.missingParameter("Blocks");
        }
        if (batch.blocks().size() > MAX_BATCH) {
            throw Ec2Exception.invalidParameter("At most " + MAX_BATCH + " Blocks per request.");
        }
        List<Named> named = new ArrayList<>();
        Set<Integer> indexes = new HashSet<>();
        for (BlockRef ref : batch.blocks()) {
            if (ref == null || ref.blockIndex() == null) {
                throw Ec2Exception.missingParameter("BlockIndex");
            }
            if (ref.blockIndex() < 0) {
                throw Ec2Exception.invalidParameter("BlockIndex must not be negative.");
            }
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
            named.add(new Named(ref.blockIndex(), checksum));
        }
        return named;
    }

    /**
     * Direct upload, step (1) for a batch: the checks of {@link #admit} (the caller's snapshot, pending, every index
     * inside the volume), then, in the same statement, every block's row is touched (inserted unstored when new),
     * which keeps garbage collection away for the grace window. A block already stored needs no upload; for the
     * others the answer carries an S3 PUT signed for exactly that content (see {@link BlockUploadRequests}).
     */
    public BlockUploads uploads(String caller, String snapshotId, BlockBatch batch) {
        List<Named> named = named(snapshotId, batch);
        int maxIndex = named.stream().mapToInt(Named::index).max().orElseThrow();
        Map<String, Boolean> stored = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "with s as (select volume_size, state from snapshot where snapshot_id = ? and owner_id = ?), "
                        + "b as (insert into block (checksum, stored, touched_at) "
                        + "select u.checksum, false, now() from s, (select distinct unnest(?::text[]) as checksum) u "
                        + "where s.state = 'pending' and ? < s.volume_size::bigint * 2048 "
                        // In checksum order: batches that share blocks lock their rows in the same order (no deadlock).
                        + "order by u.checksum "
                        + "on conflict (checksum) do update set touched_at = now() returning checksum, stored) "
                        + "select s.volume_size, s.state, b.checksum, b.stored from s left join b on true")) {
            s.setString(1, snapshotId);
            s.setString(2, caller);
            s.setArray(3, c.createArrayOf("text", named.stream().map(n -> n.checksum().hex()).toArray()));
            s.setLong(4, maxIndex);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    throw Snapshots.notFound(snapshotId);
                }
                checkWritable(snapshotId, rs.getString(2), rs.getLong(1), maxIndex);
                do {
                    stored.put(rs.getString(3), rs.getBoolean(4));
                } while (rs.next());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Instant signedAt = Instant.now();
        List<BlockUpload> answer = new ArrayList<>();
        for (Named n : named) {
            if (Boolean.TRUE.equals(stored.get(n.checksum().hex()))) {
                answer.add(new BlockUpload(n.index(), n.checksum().base64(), true, null, null));
            } else {
                BlockUploadRequests.SignedPut put = uploadRequests.of(n.checksum(), signedAt);
                answer.add(new BlockUpload(n.index(), n.checksum().base64(), null, put.url(), put.headers()));
            }
        }
        return new BlockUploads(answer, uploadRequests.expiresAt(signedAt).truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * Direct upload, step (3) for a batch, in one transaction: the blocks' rows are locked in checksum order, the
     * caller's snapshot (pending, indexes inside the volume) is locked FOR SHARE as a single write's reference does
     * (completion waits for it, then sees it), every object not yet marked stored is checked with a HEAD, those
     * are marked stored and the map entries written (changed, replacing an earlier write of the index). A block
     * whose row is gone (collected: the upload stalled past the grace window) or whose object is not in the bucket
     * refuses the batch with 409 InvalidBlock.NotUploaded: the client asks for uploads again and sends what is
     * missing. The rollback of a refusal leaves the map and the rows as they were.
     */
    public BlocksReferenced references(String caller, String snapshotId, BlockBatch batch) {
        List<Named> named = named(snapshotId, batch);
        int maxIndex = named.stream().mapToInt(Named::index).max().orElseThrow();
        try {
            return QuarkusTransaction.requiringNew().call(() -> referenceBatch(caller, snapshotId, named, maxIndex));
        } catch (QuarkusTransactionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private BlocksReferenced referenceBatch(String caller, String snapshotId, List<Named> named, int maxIndex)
            throws SQLException {
        try (Connection c = db.getConnection()) {
            // Block rows first, then the snapshot row: the order a single write takes them in (reference()
            // updates the block, then takes the snapshot FOR SHARE), so that no two writers wait on each other
            // around a completion queued for the snapshot row.
            Map<String, Boolean> rows = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("select checksum, stored from block where checksum = any(?) "
                    + "order by checksum for no key update")) {
                s.setArray(1, c.createArrayOf("text", named.stream().map(n -> n.checksum().hex()).toArray()));
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows.put(rs.getString(1), rs.getBoolean(2));
                    }
                }
            }
            try (PreparedStatement s = c.prepareStatement(
                    "select volume_size, state from snapshot where snapshot_id = ? and owner_id = ? for share")) {
                s.setString(1, snapshotId);
                s.setString(2, caller);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) {
                        throw Snapshots.notFound(snapshotId);
                    }
                    checkWritable(snapshotId, rs.getString(2), rs.getLong(1), maxIndex);
                }
            }
            List<BlockChecksum> toCheck = named.stream().map(Named::checksum)
                    .filter(k -> Boolean.FALSE.equals(rows.get(k.hex()))).toList();
            // Rows are locked: garbage collection cannot delete these objects between the HEAD and the commit.
            Set<String> present = toCheck.isEmpty() ? Set.of() : objects.present(toCheck);
            List<Integer> missing = named.stream()
                    .filter(n -> !rows.containsKey(n.checksum().hex())
                            || (!rows.get(n.checksum().hex()) && !present.contains(n.checksum().hex())))
                    .map(Named::index).sorted().toList();
            if (!missing.isEmpty()) {
                throw new Ec2Exception(409, "InvalidBlock.NotUploaded", "The object store does not hold the data of "
                        + "block(s) " + missing + " (never uploaded, refused by the object store, or collected "
                        + "since the upload was granted); nothing was referenced. Ask for block uploads again and "
                        + "send the blocks that are not Stored.");
            }
            if (!present.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement("update block set stored = true where checksum = any(?)")) {
                    s.setArray(1, c.createArrayOf("text", present.toArray()));
                    s.executeUpdate();
                }
            }
            int referenced;
            try (PreparedStatement s = c.prepareStatement(
                    "insert into snapshot_block (snapshot_id, block_index, checksum, changed) "
                            + "select s.snapshot_id, e.idx, e.checksum, true from snapshot s, "
                            + "unnest(?::int[], ?::text[]) as e(idx, checksum) "
                            + "where s.snapshot_id = ? and s.owner_id = ? and s.state = 'pending' "
                            + "on conflict (snapshot_id, block_index) do update set checksum = excluded.checksum, "
                            + "changed = true")) {
                s.setArray(1, c.createArrayOf("integer", named.stream().map(Named::index).toArray()));
                s.setArray(2, c.createArrayOf("text", named.stream().map(n -> n.checksum().hex()).toArray()));
                s.setString(3, snapshotId);
                s.setString(4, caller);
                referenced = s.executeUpdate();
            } catch (SQLException e) {
                if ("23503".equals(e.getSQLState())) {
                    throw new Ec2Exception(503, "ServiceUnavailable", "A block was collected while being written; retry the request.");
                }
                throw e;
            }
            if (referenced != named.size()) {
                // Cannot happen while the snapshot row is held FOR SHARE; refuse (and roll back) rather than guess.
                throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is no longer pending.");
            }
            return new BlocksReferenced(referenced);
        }
    }

    private static void checkWritable(String snapshotId, String state, long volumeSize, long blockIndex) {
        if (!"pending".equals(state)) {
            throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is " + state + ".");
        }
        long capacity = volumeSize * 2048;
        if (blockIndex >= capacity) {
            throw Ec2Exception.invalidParameter("BlockIndex " + blockIndex + " is outside the volume (0 to "
                    + (capacity - 1) + ").");
        }
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
