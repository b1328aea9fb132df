package dev.imageregistry.launch.queries;

import java.time.Instant;
import java.util.List;

import dev.imageregistry.launch.domain.InstanceEvent.Tag;
import dev.imageregistry.launch.domain.InstanceEvent.VolumeSnapshotTaken;
import dev.imageregistry.launch.persistence.RootVolumes;

/** EC2's answers about volumes and their snapshots (the AWS CLI's JSON shape, PascalCase). */
public final class VolumeDescription {
    private VolumeDescription() {
    }

    /** One volume in DescribeVolumes: a root volume of one of the caller's instances. */
    public record Volume(String volumeId, int size, String snapshotId, String availabilityZone, String state,
            Instant createTime, List<Attachment> attachments, boolean encrypted, boolean multiAttachEnabled) {

        /** Creating until the worker makes it, in use while its instance lives, available once it is terminated. */
        static Volume of(RootVolumes.VolumeRow row, String availabilityZone) {
            String state = !row.created() ? "creating" : "terminated".equals(row.instanceState()) ? "available"
                    : "in-use";
            List<Attachment> attachments = state.equals("available") ? List.of()
                    : List.of(new Attachment(row.volumeId(), row.instanceId(), row.deviceName(),
                            row.created() ? "attached" : "attaching", row.launchTime(), row.deleteOnTermination()));
            return new Volume(row.volumeId(), row.sizeGib(), row.snapshotId(), availabilityZone, state,
                    row.created() ? row.createTime() : row.launchTime(), attachments, false, false);
        }
    }

    public record Attachment(String volumeId, String instanceId, String device, String state, Instant attachTime,
            boolean deleteOnTermination) {
    }

    public record DescribeVolumesResult(List<Volume> volumes, String nextToken) {
    }

    /** CreateSnapshot's answer: the snapshot as EC2 shows it right after the call, pending. */
    public record CreatedSnapshot(String snapshotId, String volumeId, String state, int volumeSize, Instant startTime,
            String progress, String ownerId, String description, boolean encrypted, List<SnapshotTag> tags) {

        public static CreatedSnapshot of(VolumeSnapshotTaken taken) {
            List<SnapshotTag> tags = taken.tags() == null ? List.of()
                    : taken.tags().stream().map(SnapshotTag::of).toList();
            return new CreatedSnapshot(taken.snapshotId(), taken.volumeId(), "pending", taken.volumeSize(),
                    taken.takenAt(), "", taken.ownerId(), taken.description() == null ? "" : taken.description(),
                    false, tags);
        }
    }

    public record SnapshotTag(String key, String value) {
        static SnapshotTag of(Tag tag) {
            return new SnapshotTag(tag.key(), tag.value());
        }
    }
}
