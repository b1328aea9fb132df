package dev.imageregistry.snapshot.commands;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.snapshot.domain.BlockBatch;
import dev.imageregistry.snapshot.domain.BlockBatch.NamedBlock;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.BlockIndex;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.snapshot.persistence.BlockRows;
import dev.imageregistry.snapshot.persistence.BlockUploadRequests;
import dev.imageregistry.snapshot.persistence.SnapshotRow;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.narayana.jta.QuarkusTransactionException;

/**
 * Writing blocks into a pending snapshot: PutSnapshotBlock, and direct uploads (block-uploads, block-references),
 * where the client PUTs the bytes straight to the object store.
 *
 * <p>The hot path of an upload, so the snapshot is not folded from its events here: its row is the aggregate's
 * cache (projected from those events in the transaction that appended them, at the same version), read in the
 * statement that also touches the block, and the row's {@link Snapshot} decides ({@link Snapshot#acceptBlock}).
 * Folding the events instead would add a round trip, and the parse of the events, to each of thousands of writes.
 *
 * <p>A write runs in three steps, each safe on its own: (1) touch the block's row, which keeps garbage
 * collection away for the grace window; (2) store the object if no earlier write did; (3) reference it from the
 * snapshot's map. If S3 fails at (2) the map never points at the block; if garbage collection removed the row
 * in between (an upload stalled past the grace window), the foreign key refuses (3) and the client retries.
 * A direct upload runs the same steps with the client doing (2): {@link #uploads} is (1) for a batch and hands out
 * S3 PUTs the service signed for exactly those contents; {@link #references} is (3), and since it cannot take the
 * client's word that (2) happened, it checks the bucket first.
 */
@ApplicationScoped
public class BlockWrites {
    private final BlockRows blocks;
    private final BlockObjects objects;
    private final BlockUploadRequests uploadRequests;

    public BlockWrites(BlockRows blocks, BlockObjects objects, BlockUploadRequests uploadRequests) {
        this.blocks = blocks;
        this.objects = objects;
        this.uploadRequests = uploadRequests;
    }

    public record BlockWritten(String checksum, String checksumAlgorithm) {
    }

    /**
     * Either Stored (the bucket already holds this content: nothing to send, reference it) or a signed PUT: Url
     * and the Headers to send with it, exactly.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BlockUpload(int blockIndex, String checksum, Boolean stored, String url, Map<String, String> headers) {
    }

    /**
     * UploadsExpireAt: S3 refuses the signed PUTs after this (its 15-minute window for a request's date); in epoch
     * seconds, a JSON number as the EBS APIs write timestamps.
     */
    public record BlockUploads(List<BlockUpload> blockUploads, long uploadsExpireAt) {
    }

    public record BlocksReferenced(int blocksReferenced) {
    }

    /** PutSnapshotBlock: the body verified against its checksum, then the three steps. */
    public BlockWritten put(String caller, String snapshotId, long blockIndex, byte[] data, String checksumHeader,
            String algorithmHeader, Long dataLength) {
        BlockChecksum checksum = BlockChecksum.verified(data, checksumHeader, algorithmHeader, dataLength);
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        BlockIndex.requireNotNegative(blockIndex);
        BlockRows.Admission admitted = blocks.admit(caller, snapshotId, blockIndex, checksum.hex())
                .orElseThrow(() -> Snapshot.notFound(snapshotId));
        admitted.snapshot().snapshot().acceptBlock(caller, blockIndex);
        boolean stored = Boolean.TRUE.equals(admitted.stored());
        if (!stored) {
            objects.put(checksum, data);
        }
        if (!blocks.reference(caller, snapshotId, (int) blockIndex, checksum.hex(), !stored)) {
            throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is no longer pending.");
        }
        return new BlockWritten(checksum.base64(), BlockChecksum.ALGORITHM);
    }

    /**
     * Direct upload, step (1) for a batch: the snapshot decides as for PutSnapshotBlock (the caller's, pending,
     * every index inside the volume) and, in the same statement, every block's row is touched. A block already
     * stored needs no upload; for the others the answer carries an S3 PUT signed for exactly that content.
     */
    public BlockUploads uploads(String caller, String snapshotId, BlockBatch batch) {
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        List<NamedBlock> named = BlockBatch.named(batch);
        int highest = BlockBatch.highestIndex(named);
        BlockRows.BatchAdmission admitted = blocks.admit(caller, snapshotId, highest, named)
                .orElseThrow(() -> Snapshot.notFound(snapshotId));
        admitted.snapshot().snapshot().acceptBlock(caller, highest);
        Instant signedAt = Instant.now();
        List<BlockUpload> answer = new ArrayList<>();
        for (NamedBlock n : named) {
            if (Boolean.TRUE.equals(admitted.stored().get(n.checksum().hex()))) {
                answer.add(new BlockUpload(n.index(), n.checksum().base64(), true, null, null));
            } else {
                BlockUploadRequests.SignedPut put = uploadRequests.of(n.checksum(), signedAt);
                answer.add(new BlockUpload(n.index(), n.checksum().base64(), null, put.url(), put.headers()));
            }
        }
        return new BlockUploads(answer, uploadRequests.expiresAt(signedAt).getEpochSecond());
    }

    /**
     * Direct upload, step (3) for a batch, in one transaction: the blocks' rows locked in checksum order, the
     * snapshot row FOR SHARE as a single write's reference takes it (completion waits for it, then sees it), the
     * snapshot decides, every object not yet marked stored is checked with a HEAD, those are marked stored and the
     * map entries written. A block whose row is gone (collected: the upload stalled past the grace window) or whose
     * object is not in the bucket refuses the batch with 409 InvalidBlock.NotUploaded, and the rollback leaves the
     * map and the rows as they were: the client asks for uploads again and sends what is missing.
     */
    public BlocksReferenced references(String caller, String snapshotId, BlockBatch batch) {
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        List<NamedBlock> named = BlockBatch.named(batch);
        try {
            return QuarkusTransaction.requiringNew().call(() -> reference(caller, snapshotId, named));
        } catch (QuarkusTransactionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private BlocksReferenced reference(String caller, String snapshotId, List<NamedBlock> named) {
        Map<String, Boolean> rows = blocks.lockBlocks(named.stream().map(n -> n.checksum().hex()).toList());
        SnapshotRow row = blocks.lockSnapshotShared(snapshotId).orElseThrow(() -> Snapshot.notFound(snapshotId));
        row.snapshot().acceptBlock(caller, BlockBatch.highestIndex(named));
        List<BlockChecksum> toCheck = named.stream().map(NamedBlock::checksum)
                .filter(k -> Boolean.FALSE.equals(rows.get(k.hex()))).toList();
        // Rows are locked: garbage collection cannot delete these objects between the HEAD and the commit.
        Set<String> present = toCheck.isEmpty() ? Set.of() : objects.present(toCheck);
        List<Integer> missing = named.stream()
                .filter(n -> !rows.containsKey(n.checksum().hex())
                        || (!rows.get(n.checksum().hex()) && !present.contains(n.checksum().hex())))
                .map(NamedBlock::index).sorted().toList();
        if (!missing.isEmpty()) {
            throw new Ec2Exception(409, "InvalidBlock.NotUploaded", "The object store does not hold the data of "
                    + "block(s) " + missing + " (never uploaded, refused by the object store, or collected "
                    + "since the upload was granted); nothing was referenced. Ask for block uploads again and "
                    + "send the blocks that are not Stored.");
        }
        blocks.markStored(present);
        int referenced = blocks.reference(caller, snapshotId, named);
        if (referenced != named.size()) {
            // Cannot happen while the snapshot row is held FOR SHARE; refuse (and roll back) rather than guess.
            throw Ec2Exception.badRequest("IncorrectState", "The snapshot " + snapshotId + " is no longer pending.");
        }
        return new BlocksReferenced(referenced);
    }
}
