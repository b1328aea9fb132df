package dev.imageregistry.launch.queries;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.launch.persistence.RootVolumes;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * Where a block of a root volume lives: a block the volume has not written is the base snapshot's block of the
 * same index, which the snapshot-service serves (GetSnapshotBlock); nothing was copied when the volume was made.
 */
@ApplicationScoped
public class VolumeQuery {
    private final RootVolumes volumes;

    public VolumeQuery(RootVolumes volumes) {
        this.volumes = volumes;
    }

    /** One block of a root volume, PascalCase on the wire: from the snapshot, or the volume's own (its checksum). */
    public record VolumeBlock(String volumeId, long blockIndex, String source, String snapshotId,
            Long snapshotBlockIndex, String checksum) {
    }

    /** Only the owner of the volume's instance finds it; anyone else is told it does not exist. The ID is well formed. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public VolumeBlock block(String account, String volumeId, long index) {
        if (!volumes.ownedBy(account, volumeId)) {
            throw Ec2Exception.notFound("InvalidVolume.NotFound", "The volume '" + volumeId + "' does not exist.");
        }
        RootVolumes.BlockSource source = volumes.block(volumeId, index).orElseThrow(() -> Ec2Exception
                .invalidParameter("BlockIndex " + index + " lies outside the volume."));
        return source.fromSnapshot()
                ? new VolumeBlock(volumeId, index, "snapshot", source.snapshotId(), index, null)
                : new VolumeBlock(volumeId, index, "volume", null, null, source.checksum());
    }
}
