package dev.imageregistry.snapshot.domain;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import dev.imageregistry.snapshot.domain.SnapshotEvent.MappedBlock;

/**
 * A snapshot's block map as its completion sees it: every block that holds data, in index order, inherited ones
 * included, each marked changed when this snapshot wrote it.
 */
public record BlockMap(List<Entry> entries) {

    public record Entry(int index, BlockChecksum checksum, boolean changed) {
    }

    /** What a whole map amounts to: its entries, and EBS's LINEAR aggregate over all of them in index order. */
    public record Summary(long blockCount, BlockChecksum checksum) {
    }

    public BlockMap {
        entries = List.copyOf(entries);
    }

    public static BlockMap of(Entry... entries) {
        return new BlockMap(List.of(entries));
    }

    public int size() {
        return entries.size();
    }

    /** The blocks this snapshot wrote (what CompleteSnapshot's ChangedBlocksCount counts). */
    public long changedCount() {
        return entries.stream().filter(Entry::changed).count();
    }

    /** EBS's LINEAR aggregate of the blocks this snapshot wrote: SHA-256 over their raw SHA-256s in index order. */
    public BlockChecksum changedChecksum() {
        MessageDigest aggregate = BlockChecksum.sha256();
        for (Entry entry : entries) {
            if (entry.changed()) {
                aggregate.update(entry.checksum().raw());
            }
        }
        return new BlockChecksum(aggregate.digest());
    }

    /** The whole map as SnapshotBlocksRecorded carries it. */
    public List<MappedBlock> mapped() {
        List<MappedBlock> mapped = new ArrayList<>(entries.size());
        entries.forEach(entry -> mapped.add(new MappedBlock(entry.index(), entry.checksum().base64())));
        return mapped;
    }
}
