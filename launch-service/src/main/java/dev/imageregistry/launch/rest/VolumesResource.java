package dev.imageregistry.launch.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.imageregistry.launch.persistence.Jdbc;
import dev.imageregistry.launch.volumes.RootVolumes;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.platform.identity.CallerAccount;

/**
 * Where a block of a root volume lives: a block the volume has not written is the base snapshot's block of the
 * same index, which the snapshot-service serves (GetSnapshotBlock); nothing was copied when the volume was made.
 */
@Path("/volumes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Volumes")
public class VolumesResource {
    private final CallerAccount caller;
    private final RootVolumes volumes;
    private final Jdbc jdbc;

    public VolumesResource(CallerAccount caller, RootVolumes volumes, Jdbc jdbc) {
        this.caller = caller;
        this.volumes = volumes;
        this.jdbc = jdbc;
    }

    public record VolumeBlock(String volumeId, long blockIndex, String source, String snapshotId,
            Long snapshotBlockIndex, String checksum) {
    }

    @GET
    @Path("{volumeId}/blocks/{blockIndex}")
    @Operation(summary = "Resolves a block of one of the caller's root volumes through its copy-on-write block map")
    public VolumeBlock block(@PathParam("volumeId") String volumeId, @PathParam("blockIndex") String blockIndex) {
        if (!volumeId.matches("vol-(?:[0-9a-f]{8}|[0-9a-f]{17})")) {
            throw Ec2Exception.badRequest("InvalidVolumeID.Malformed", "Invalid id: \""
                    + (volumeId.length() > 64 ? volumeId.substring(0, 64) : volumeId) + "\"");
        }
        long index;
        try {
            index = Long.parseLong(blockIndex);
        } catch (NumberFormatException e) {
            throw Ec2Exception.invalidParameter("BlockIndex must be an integer.");
        }
        boolean owned = jdbc.one("select 1 from volume v join instance i on i.instance_id = v.instance_id "
                + "where v.volume_id = ? and i.owner_id = ? and v.state <> 'deleted'", rs -> true, volumeId,
                caller.id()).orElse(false);
        if (!owned) {
            throw Ec2Exception.notFound("InvalidVolume.NotFound", "The volume '" + volumeId + "' does not exist.");
        }
        RootVolumes.BlockSource source = volumes.block(volumeId, index).orElseThrow(() -> Ec2Exception
                .invalidParameter("BlockIndex " + index + " lies outside the volume."));
        return source.fromSnapshot()
                ? new VolumeBlock(volumeId, index, "snapshot", source.snapshotId(), index, null)
                : new VolumeBlock(volumeId, index, "volume", null, null, source.checksum());
    }
}
