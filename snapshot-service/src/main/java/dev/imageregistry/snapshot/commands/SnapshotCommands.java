package dev.imageregistry.snapshot.commands;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import org.jboss.logging.Logger;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.events.EventEnvelope;
import dev.imageregistry.platform.idempotency.ClientTokens;
import dev.imageregistry.platform.outbox.EventStore;
import dev.imageregistry.snapshot.domain.BlockChecksum;
import dev.imageregistry.snapshot.domain.BlockMap;
import dev.imageregistry.snapshot.domain.BlockMapLifetime;
import dev.imageregistry.snapshot.domain.CompleteSnapshot;
import dev.imageregistry.snapshot.domain.CopySnapshot;
import dev.imageregistry.snapshot.domain.PackedBlockMap;
import dev.imageregistry.snapshot.domain.Snapshot;
import dev.imageregistry.snapshot.domain.SnapshotCopy;
import dev.imageregistry.snapshot.domain.SnapshotEvent;
import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotCompleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotDeleted;
import dev.imageregistry.snapshot.domain.SnapshotEvent.SnapshotFailed;
import dev.imageregistry.snapshot.domain.SnapshotEvent.StateReason;
import dev.imageregistry.snapshot.domain.SnapshotEvent.Tag;
import dev.imageregistry.snapshot.domain.SnapshotState;
import dev.imageregistry.snapshot.domain.StartSnapshot;
import dev.imageregistry.snapshot.domain.VolumeSnapshot;
import dev.imageregistry.snapshot.persistence.BlockMapRows;
import dev.imageregistry.snapshot.persistence.BlockObjects;
import dev.imageregistry.snapshot.persistence.BlockRows;
import dev.imageregistry.snapshot.persistence.ImageUsage;
import dev.imageregistry.snapshot.persistence.SnapshotRow;
import dev.imageregistry.snapshot.persistence.SnapshotRows;
import dev.imageregistry.snapshot.queries.SnapshotDescription;
import dev.imageregistry.snapshot.queries.SnapshotQueries;

/**
 * The commands on snapshots, each the same four steps in one transaction: load the snapshot from its events
 * (after locking its row, so that commands on one snapshot, and the block writes it admits, take turns), ask it to
 * decide, append what it answered at the version it was loaded at, and project that onto the row.
 * Blocks are written by {@link BlockWrites}.
 */
@ApplicationScoped
public class SnapshotCommands {
    private static final Logger LOG = Logger.getLogger(SnapshotCommands.class);
    private static final int TIMEOUTS_PER_RUN = 100;

    private final EventStore events;
    private final SnapshotRows rows;
    private final BlockMapRows maps;
    private final BlockRows blocks;
    private final ImageUsage imageUsage;
    private final SnapshotQueries queries;
    private final ClientTokens clientTokens;
    private final BlockObjects objects;
    private final RetainedBlockMaps retainedMaps;

    public SnapshotCommands(EventStore events, SnapshotRows rows, BlockMapRows maps, BlockRows blocks,
            ImageUsage imageUsage, SnapshotQueries queries, ClientTokens clientTokens, BlockObjects objects,
            RetainedBlockMaps retainedMaps) {
        this.events = events;
        this.rows = rows;
        this.maps = maps;
        this.blocks = blocks;
        this.imageUsage = imageUsage;
        this.queries = queries;
        this.clientTokens = clientTokens;
        this.objects = objects;
        this.retainedMaps = retainedMaps;
    }

    /** StartSnapshot's body (and, with ClientToken left out, what identifies a retry's parameters). */
    public record StartSnapshotRequest(Integer volumeSize, String parentSnapshotId, String description,
            List<Tag> tags, String clientToken, Integer timeout) {
    }

    public record CompleteSnapshotRequest(Long changedBlocksCount, String checksum, String checksumAlgorithm,
            String checksumAggregationMethod) {
    }

    public record CompletionStatus(String status) {
    }

    /** CopySnapshot's body, in the AWS CLI's JSON shape (Encrypted, KmsKeyId and the like are ignored). */
    public record CopySnapshotRequest(String sourceRegion, String sourceSnapshotId, String description,
            List<CopySnapshot.TagSpecification> tagSpecifications) {
    }

    /** EC2's CopySnapshotResult: the new snapshot and the tags it was given. */
    public record CopySnapshotResult(String snapshotId, List<Tag> tags) {
    }

    /**
     * StartSnapshot. Decided before the client token is claimed (a refused request claims nothing); a retry with
     * the token answers the first snapshot and appends nothing.
     */
    @Transactional
    public SnapshotDescription start(String caller, StartSnapshotRequest request) {
        StartSnapshot command = request == null ? StartSnapshot.of(null, null, null, null, null)
                : StartSnapshot.of(request.volumeSize(), request.parentSnapshotId(), request.description(),
                        request.tags(), request.timeout());
        Snapshot parent = command.parentSnapshotId() == null ? null
                : queries.readable(caller, command.parentSnapshotId()).snapshot();
        String id = ResourceKind.SNAPSHOT.next();
        Instant now = now();
        List<SnapshotEvent> started = Snapshot.start(id, caller, command, parent, now);
        StartSnapshotRequest identity = new StartSnapshotRequest(command.volumeSize(), command.parentSnapshotId(),
                command.description(), command.tags(), null, command.timeoutMinutes());
        return clientTokens.once(caller, "StartSnapshot", request.clientToken(), identity, SnapshotDescription.class,
                () -> {
                    record(null, started, command.deadline(now));
                    return SnapshotDescription.of(rows.find(id).orElseThrow());
                });
    }

    /**
     * CopySnapshot, asked in this (destination) Region: the caller's new snapshot is pending at once, with the
     * description and tags asked for, and SnapshotCopyRequested asks this Region's region-replicator for the copy.
     * The source is not looked at here: the replicator reads the source Region and answers.
     */
    @Transactional
    public CopySnapshotResult requestCopy(String caller, CopySnapshotRequest request) {
        CopySnapshot command = request == null ? CopySnapshot.of(null, null, null, null)
                : CopySnapshot.of(request.sourceRegion(), request.sourceSnapshotId(), request.description(),
                        request.tagSpecifications());
        String id = ResourceKind.SNAPSHOT.next();
        record(null, Snapshot.requestCopy(id, caller, command, now()), null);
        return new CopySnapshotResult(id, command.tags());
    }

    /**
     * CompleteSnapshot: the snapshot row is locked FOR UPDATE, so completion waits for the block writes in flight
     * (they hold it FOR SHARE), sees them all, and later writes find it no longer pending.
     */
    @Transactional
    public CompletionStatus complete(String caller, String snapshotId, CompleteSnapshotRequest request) {
        CompleteSnapshot command = request == null ? CompleteSnapshot.of(null, null, null, null)
                : CompleteSnapshot.of(request.changedBlocksCount(), request.checksum(), request.checksumAlgorithm(),
                        request.checksumAggregationMethod());
        Snapshot snapshot = load(snapshotId);
        BlockMap[] loaded = new BlockMap[1];
        List<SnapshotEvent> decided = snapshot.complete(caller, command, () -> loaded[0] = maps.load(snapshotId), now());
        record(snapshot, decided, null);
        SnapshotEvent last = decided.get(decided.size() - 1);
        if (last instanceof SnapshotCompleted && loaded[0] != null) {
            maps.pack(snapshotId, PackedBlockMap.of(loaded[0]));
        }
        return new CompletionStatus(last instanceof SnapshotCompleted ? "completed" : "error");
    }

    /** Pending snapshots past their deadline become error; replicas share the work (SKIP LOCKED). */
    @Transactional
    public int failTimedOut() {
        Instant now = now();
        int failed = 0;
        for (SnapshotRow row : rows.lockTimedOut(now, TIMEOUTS_PER_RUN)) {
            Snapshot snapshot = loaded(row.snapshotId());
            List<SnapshotEvent> decided = snapshot.timeOut(now, row.timeoutAt());
            record(snapshot, decided, null);
            failed += decided.size();
        }
        return failed;
    }

    /** DeleteSnapshot: refused while an image (the image-usage read model says which) maps the snapshot. */
    @Transactional
    public void delete(String caller, String snapshotId) {
        decide(snapshotId, snapshot -> snapshot.delete(caller, imageUsage.imagesUsing(snapshotId)));
    }

    /** CreateTags on the caller's snapshot, in any state (a deleted one is gone: InvalidSnapshot.NotFound). */
    @Transactional
    public void createTags(String caller, String snapshotId, List<Tag> tags) {
        decide(snapshotId, snapshot -> snapshot.tag(caller, tags));
    }

    /** DeleteTags on the caller's snapshot: the tags named (matching values, when given), or all of them. */
    @Transactional
    public void deleteTags(String caller, String snapshotId, List<Tag> tags) {
        decide(snapshotId, snapshot -> snapshot.untag(caller, tags));
    }

    /**
     * After an image was deregistered with its snapshots: deletes those its owner owns that no other image uses.
     * Returns quietly for a snapshot already gone, so a redelivered event changes nothing.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void deleteUnused(String imageOwner, String snapshotId) {
        if (!ResourceKind.SNAPSHOT.isWellFormed(snapshotId) || rows.lock(snapshotId).isEmpty()) {
            return;
        }
        Snapshot snapshot = loaded(snapshotId);
        List<String> usedBy = imageUsage.imagesUsing(snapshotId);
        List<SnapshotEvent> decided = snapshot.deleteUnused(imageOwner, usedBy);
        if (decided.isEmpty() && snapshot.ownerId().equals(imageOwner) && !usedBy.isEmpty()) {
            LOG.infof("kept %s: another image still uses it", snapshotId);
        }
        record(snapshot, decided, null);
    }

    /**
     * A snapshot copied into this Region, every part of its map received, created here with its map. The caller
     * made sure this Region never had a snapshot of that ID (the event store remembers deleted ones too).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void copyIn(SnapshotCopy copy) {
        Instant now = now();
        List<SnapshotEvent> decided = Snapshot.copiedIn(copy, now);
        if (decided.get(decided.size() - 1) instanceof SnapshotFailed failed) {
            // The replicator verified the map already; a map that does not add up is refused, never served.
            LOG.errorf("copied snapshot %s refused: %s", copy.snapshotId(), failed.stateReason().message());
        }
        // Created completed at once: its deadline is now.
        record(null, decided, now);
        recordCopiedMap(copy.snapshotId(), decided, copy.blocks());
    }

    /**
     * A CopySnapshot's copy, every part of its map received ({@code delivered}, reassembled only if the snapshot
     * still awaits it): the pending snapshot completes with the map (or fails). A snapshot deleted meanwhile, or one
     * this Region never asked a copy for, is left alone: a late or stray delivery.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void completeCopy(String snapshotId, Supplier<SnapshotCopy> delivered) {
        if (rows.lock(snapshotId).isEmpty()) {
            LOG.infof("ignored the copy of %s: no such snapshot here (deleted, or never asked for)", snapshotId);
            return;
        }
        Snapshot snapshot = loaded(snapshotId);
        SnapshotCopy[] copy = new SnapshotCopy[1];
        List<SnapshotEvent> decided = snapshot.copied(() -> copy[0] = delivered.get(), now());
        if (!decided.isEmpty() && decided.get(decided.size() - 1) instanceof SnapshotFailed failed) {
            LOG.errorf("copy of %s refused: %s", snapshotId, failed.stateReason().message());
        }
        record(snapshot, decided, null);
        recordCopiedMap(snapshotId, decided, copy[0] == null ? List.of() : copy[0].blocks());
    }

    /** The region-replicator could not make a CopySnapshot's copy: the pending snapshot fails with its reason. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void failCopy(String snapshotId, StateReason reason) {
        if (rows.lock(snapshotId).isEmpty()) {
            return; // deleted meanwhile, or never asked for here
        }
        Snapshot snapshot = loaded(snapshotId);
        record(snapshot, snapshot.copyFailed(reason), null);
    }

    /** A copy completed: its blocks' objects are in the bucket already (the replicator put and verified them). */
    private void recordCopiedMap(String snapshotId, List<SnapshotEvent> decided, List<MappedBlock> map) {
        if (decided.isEmpty() || !(decided.get(decided.size() - 1) instanceof SnapshotCompleted)) {
            return;
        }
        blocks.recordStored(map.stream().map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).toList());
        maps.recordOwn(snapshotId, map);
        maps.pack(snapshotId, PackedBlockMap.of(map));
    }

    /**
     * A snapshot taken from a volume, every part of its map received (or a part saying it could not be taken),
     * made here completed, or failed with the reason. The caller made sure this Region never had a snapshot of that
     * ID. The base is held FOR SHARE (a DeleteSnapshot of it waits until its map is copied; a deleted base's
     * retained map likewise, so that the release of its last hold waits) and the written blocks'
     * rows locked (garbage collection skips them) before the bucket is asked for the objects no row says are
     * stored: between that check and the commit that references them, nothing can delete them. No object is
     * written. An unreachable bucket is not a verdict: the exception rolls the part back, to be consumed again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void takeFromVolume(VolumeSnapshot taken) {
        Instant now = now();
        String baseId = taken.baseSnapshotId();
        Snapshot base = blocks.lockSnapshotShared(baseId).map(SnapshotRow::snapshot)
                .orElseGet(() -> Snapshot.fold(events.load(baseId)));
        BlockMapLifetime baseMap = base == null ? BlockMapLifetime.DISCARDED
                : base.state() == SnapshotState.DELETED ? retainedMaps.lifetimeOfDeleted(baseId) : BlockMapLifetime.LIVE;
        Snapshot existing = Snapshot.fold(events.load(taken.snapshotId()));
        PackedBlockMap[] whole = new PackedBlockMap[1];
        List<SnapshotEvent> decided = Snapshot.takenFromVolume(existing, taken, base, baseMap,
                written -> (whole[0] = maps.packed(baseId).overlaid(written)).summary(), this::notInBucket, now);
        if (decided.isEmpty()) {
            return;
        }
        if (decided.get(decided.size() - 1) instanceof SnapshotFailed failed) {
            LOG.warnf("snapshot %s of %s failed: %s", taken.snapshotId(), taken.volumeId(),
                    failed.stateReason().message());
        }
        // Created completed (or failed) at once: its deadline is now.
        record(null, decided, now);
        if (decided.get(decided.size() - 1) instanceof SnapshotCompleted) {
            blocks.recordStored(taken.writtenBlocks().stream()
                    .map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).toList());
            maps.layOver(taken.snapshotId(), baseId, taken.writtenBlocks(), whole[0]);
        }
    }

    /** The indexes of written blocks whose object the bucket lacks (a row marked stored says it has it). */
    private List<Integer> notInBucket(List<MappedBlock> written) {
        if (written.isEmpty()) {
            return List.of();
        }
        Map<String, Boolean> rows = blocks.lockBlocks(written.stream()
                .map(b -> BlockChecksum.fromBase64(b.checksum()).hex()).distinct().toList());
        List<BlockChecksum> toCheck = written.stream().map(b -> BlockChecksum.fromBase64(b.checksum()))
                .filter(k -> !Boolean.TRUE.equals(rows.get(k.hex()))).toList();
        Set<String> present = toCheck.isEmpty() ? Set.of() : objects.present(toCheck);
        return written.stream().filter(b -> {
            String hex = BlockChecksum.fromBase64(b.checksum()).hex();
            return !Boolean.TRUE.equals(rows.get(hex)) && !present.contains(hex);
        }).map(MappedBlock::index).toList();
    }

    private void decide(String snapshotId, Function<Snapshot, List<SnapshotEvent>> command) {
        Snapshot snapshot = load(snapshotId);
        record(snapshot, command.apply(snapshot), null);
    }

    /** Locks the snapshot's row and folds its events; a well-formed ID with no row is InvalidSnapshot.NotFound. */
    private Snapshot load(String snapshotId) {
        Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, snapshotId);
        if (rows.lock(snapshotId).isEmpty()) {
            throw Snapshot.notFound(snapshotId);
        }
        return loaded(snapshotId);
    }

    private Snapshot loaded(String snapshotId) {
        Snapshot snapshot = Snapshot.fold(events.load(snapshotId));
        if (snapshot == null) {
            throw new IllegalStateException("snapshot " + snapshotId + " has a row but no events");
        }
        return snapshot;
    }

    /**
     * Appends what the snapshot decided at the version it was loaded at (0 for a new one; another writer first is
     * a conflict) and projects each event onto the row. {@code deadline}: when a started snapshot times out.
     */
    private void record(Snapshot before, List<SnapshotEvent> decided, Instant deadline) {
        if (decided.isEmpty()) {
            return;
        }
        String id = decided.get(0).snapshotId();
        List<EventEnvelope> appended = events.append(id, before == null ? 0 : before.version(), decided);
        Snapshot state = before;
        for (int i = 0; i < decided.size(); i++) {
            long version = appended.get(i).aggregateversion();
            state = Snapshot.after(state, decided.get(i), version);
            rows.project(state, decided.get(i), version, deadline);
        }
        if (decided.get(decided.size() - 1) instanceof SnapshotDeleted) {
            retainedMaps.deleted(id); // the map stays while volumes hold the snapshot
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
