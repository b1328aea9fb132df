package dev.imageregistry.launch.queries;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.launch.persistence.RootVolumes;
import dev.imageregistry.launch.persistence.RootVolumes.Condition;
import dev.imageregistry.launch.queries.VolumeDescription.DescribeVolumesResult;
import dev.imageregistry.launch.queries.VolumeDescription.Volume;
import dev.imageregistry.platform.ServiceIdentity;
import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * DescribeVolumes over the caller's root volumes, and where a block of one lives: a block the volume has not
 * written is the base snapshot's block of the same index, which the snapshot-service serves (GetSnapshotBlock);
 * nothing was copied when the volume was made.
 */
@ApplicationScoped
public class VolumeQuery {
    private static final int MAX_IDS = 1000;

    private final RootVolumes volumes;
    private final ServiceIdentity service;

    public VolumeQuery(RootVolumes volumes, ServiceIdentity service) {
        this.volumes = volumes;
        this.service = service;
    }

    /** One block of a root volume, PascalCase on the wire: from the snapshot, or the volume's own (its checksum). */
    public record VolumeBlock(String volumeId, long blockIndex, String source, String snapshotId,
            Long snapshotBlockIndex, String checksum) {
    }

    /** A filter of DescribeVolumes: a name and the values any of which matches. */
    public record Filter(String name, List<String> values) {
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

    /**
     * DescribeVolumes, EC2's rules: VolumeIds well formed and each the caller's (else InvalidVolume.NotFound, as
     * for one that exists nowhere), MaxResults 5-500 and not with VolumeIds, filters volume-id, status,
     * attachment.instance-id, snapshot-id and size.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public DescribeVolumesResult describe(String account, List<String> volumeIds, List<Filter> filters,
            Integer maxResults, String nextToken) {
        List<String> ids = new ArrayList<>(new LinkedHashSet<>(volumeIds));
        if (ids.size() > MAX_IDS) {
            throw Ec2Exception.invalidParameter("At most " + MAX_IDS + " volume IDs may be given.");
        }
        ids.forEach(id -> Ec2Exception.requireWellFormed(ResourceKind.VOLUME, id));
        if (!ids.isEmpty() && maxResults != null) {
            throw Ec2Exception.badRequest("InvalidParameterCombination",
                    "The parameter volumeSet cannot be used with the parameter maxResults");
        }
        int limit = maxResults == null ? 1000 : maxResults;
        if (maxResults != null && (limit < 5 || limit > 500)) {
            throw Ec2Exception.invalidParameter("Value (" + limit + ") for parameter maxResults is invalid. "
                    + "Expecting a value between 5 and 500.");
        }
        List<Condition> conditions = new ArrayList<>();
        if (!ids.isEmpty()) {
            conditions.add(Condition.volumeIn(ids));
        }
        filters.stream().map(VolumeQuery::condition).forEach(conditions::add);
        String after = nextToken == null ? null : decodeToken(nextToken);
        String zone = service.region() + "a";
        List<Volume> page = volumes.page(account, conditions, after, limit + 1).stream()
                .map(row -> Volume.of(row, zone)).toList();
        if (!ids.isEmpty() && filters.isEmpty() && page.size() < ids.size()) {
            List<String> found = page.stream().map(Volume::volumeId).toList();
            throw Ec2Exception.notFound("InvalidVolume.NotFound", "The volume '"
                    + String.join(", ", ids.stream().filter(id -> !found.contains(id)).toList())
                    + "' does not exist.");
        }
        String next = null;
        if (page.size() > limit) {
            page = page.subList(0, limit);
            next = Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(page.get(limit - 1).volumeId().getBytes(StandardCharsets.UTF_8));
        }
        return new DescribeVolumesResult(page, next);
    }

    private static Condition condition(Filter filter) {
        if (filter.name() == null || filter.values() == null || filter.values().isEmpty()) {
            throw Ec2Exception.invalidParameter("Each filter needs a Name and at least one Value.");
        }
        return switch (filter.name()) {
            case "volume-id" -> Condition.volumeIn(filter.values());
            case "attachment.instance-id" -> Condition.instanceIn(filter.values());
            case "snapshot-id" -> Condition.snapshotIn(filter.values());
            case "status" -> Condition.statusIn(filter.values());
            case "size" -> Condition.sizeIn(filter.values().stream().map(VolumeQuery::size).toList());
            default -> throw Ec2Exception.invalidParameter("The filter '" + filter.name() + "' is invalid "
                    + "(supported: volume-id, status, attachment.instance-id, snapshot-id, size).");
        };
    }

    private static Integer size(String value) {
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw Ec2Exception.invalidParameter("The filter value '" + value + "' is not a valid size.");
        }
    }

    private static String decodeToken(String token) {
        try {
            String last = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (ResourceKind.VOLUME.isWellFormed(last)) {
                return last;
            }
        } catch (IllegalArgumentException e) {
            // falls through to the refusal
        }
        throw Ec2Exception.invalidParameter("The NextToken is not valid.");
    }
}
