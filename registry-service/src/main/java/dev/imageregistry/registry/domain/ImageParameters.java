package dev.imageregistry.registry.domain;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.imageregistry.ids.ResourceKind;
import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.registry.domain.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.domain.ImageEvent.Tag;
import dev.imageregistry.registry.domain.ImageRequests.CopyImage;
import dev.imageregistry.registry.domain.ImageRequests.CreateImage;
import dev.imageregistry.registry.domain.ImageRequests.CreateTags;
import dev.imageregistry.registry.domain.ImageRequests.DeleteTags;
import dev.imageregistry.registry.domain.ImageRequests.EnableDeprecation;
import dev.imageregistry.registry.domain.ImageRequests.LaunchPermission;
import dev.imageregistry.registry.domain.ImageRequests.ModifyImageAttribute;
import dev.imageregistry.registry.domain.ImageRequests.RegisterImage;
import dev.imageregistry.registry.domain.ImageRequests.TagSpecification;

/**
 * What a request may say, whatever the image's state: EC2's limits on image parameters. The commands check them
 * before anything is read or written (and before a client token is claimed, so a malformed retry is refused as
 * malformed); what the image's state allows, {@link Image} decides.
 */
public final class ImageParameters {
    public static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    public static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
    /** EC2's AMI name alphabet: letters, digits, ( ) [ ] space . / - ' @ _ */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9()\\[\\] ./\\-'@_]{3,128}");
    private static final Pattern DEVICE_NAME = Pattern.compile("/dev/[a-z0-9]{2,16}|xvd[a-z]{1,2}|sd[a-z]{1,2}");
    public static final Set<String> ARCHITECTURES = Set.of("x86_64", "arm64", "i386");
    public static final Set<String> BOOT_MODES = Set.of("legacy-bios", "uefi", "uefi-preferred");
    public static final Set<String> VIRTUALIZATION_TYPES = Set.of("hvm", "paravirtual");
    public static final Set<String> VOLUME_TYPES = Set.of("standard", "gp2", "gp3", "io1", "io2", "st1", "sc1");
    public static final int MAX_TAGS = 50;
    public static final int MAX_MAPPINGS = 64;
    public static final int MAX_PERMISSION_CHANGES = 100;
    /** EnableImageDeprecation's horizon: ten years (and the leap days in them). */
    static final Duration LONGEST_DEPRECATION = Duration.ofDays(3653);

    private ImageParameters() {
    }

    /** An image ID as EC2 accepts it: 17 hex digits, or 8 for the images of before 2016 (which name none here). */
    public static void imageId(String imageId) {
        if (imageId == null || imageId.isEmpty()) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.IMAGE, imageId);
    }

    /** RegisterImage's parameters (the snapshots they name and the name's uniqueness are the decider's). */
    public static void register(RegisterImage request) {
        if (request == null) {
            throw Ec2Exception.missingParameter("Name");
        }
        name(request.name());
        description(request.description());
        oneOf("Architecture", request.architecture(), ARCHITECTURES);
        oneOf("BootMode", request.bootMode(), BOOT_MODES);
        oneOf("VirtualizationType", request.virtualizationType(), VIRTUALIZATION_TYPES);
        oneOf("ImdsSupport", request.imdsSupport(), Set.of("v2.0"));
        blockDeviceMappings(request.rootDeviceName(), request.blockDeviceMappings());
        imageTagSpecifications(request.tagSpecifications());
    }

    /**
     * CreateImage's parameters (the instance's ownership and state, and the name's uniqueness, are the decider's).
     * Mappings, when given, change the root device only: each must name a device, and may not name a snapshot
     * (the root volume becomes the snapshot).
     */
    public static void createImage(CreateImage request) {
        if (request == null || request.instanceId() == null || request.instanceId().isEmpty()) {
            throw Ec2Exception.missingParameter("InstanceId");
        }
        Ec2Exception.requireWellFormed(ResourceKind.INSTANCE, request.instanceId());
        name(request.name());
        description(request.description());
        if (request.blockDeviceMappings() != null) {
            if (request.blockDeviceMappings().size() > MAX_MAPPINGS) {
                throw Ec2Exception.invalidParameter("At most " + MAX_MAPPINGS + " block device mappings are allowed.");
            }
            for (BlockDeviceMapping mapping : request.blockDeviceMappings()) {
                if (mapping == null || mapping.deviceName() == null) {
                    throw Ec2Exception.missingParameter("BlockDeviceMapping.DeviceName");
                }
                if (mapping.ebs() != null) {
                    if (mapping.ebs().snapshotId() != null) {
                        throw Ec2Exception.invalidParameter("The root device's snapshot is the instance's volume: "
                                + "BlockDeviceMapping.Ebs.SnapshotId cannot be given.");
                    }
                    Integer size = mapping.ebs().volumeSize();
                    if (size != null && (size < 1 || size > 65536)) {
                        throw Ec2Exception.invalidParameter("Volume size must be between 1 and 65536 GiB.");
                    }
                    oneOf("VolumeType", mapping.ebs().volumeType(), VOLUME_TYPES);
                }
            }
        }
        imageTagSpecifications(request.tagSpecifications());
    }

    private static void imageTagSpecifications(List<TagSpecification> specifications) {
        if (specifications != null) {
            List<Tag> all = new ArrayList<>();
            for (TagSpecification specification : specifications) {
                if (specification == null || !"image".equals(specification.resourceType())) {
                    throw Ec2Exception.invalidParameter("TagSpecification.ResourceType must be image.");
                }
                tags(specification.tags(), true);
                all.addAll(specification.tags());
            }
            tags(all, true);
        }
    }

    /**
     * CopyImage's parameters. A well-formed source ID of the older, 8-digit shape is not found at once: no Region
     * of this registry has such an image.
     */
    public static void copy(CopyImage request) {
        if (request == null || request.sourceRegion() == null) {
            throw Ec2Exception.missingParameter("SourceRegion");
        }
        if (!REGION.matcher(request.sourceRegion()).matches()) {
            throw Ec2Exception.invalidParameter("Invalid region: " + printable(request.sourceRegion()));
        }
        imageId(request.sourceImageId());
        if (!ResourceKind.IMAGE.isIssued(request.sourceImageId())) {
            throw Image.notFound(request.sourceImageId());
        }
        name(request.name());
        description(request.description());
    }

    /** ModifyImageAttribute: a description, launch permissions to add and remove, or both. */
    public static AttributeChange attributeChange(ModifyImageAttribute request) {
        if (request == null || (request.launchPermission() == null && request.description() == null)) {
            throw Ec2Exception.missingParameter("LaunchPermission or Description");
        }
        String description = null;
        if (request.description() != null) {
            description(request.description().value());
            if (request.description().value() == null) {
                throw Ec2Exception.missingParameter("Description.Value");
            }
            description = request.description().value();
        }
        Set<String> addUsers = new LinkedHashSet<>();
        Set<String> addGroups = new LinkedHashSet<>();
        Set<String> removeUsers = new LinkedHashSet<>();
        Set<String> removeGroups = new LinkedHashSet<>();
        if (request.launchPermission() != null) {
            permissions(request.launchPermission().add(), addUsers, addGroups);
            permissions(request.launchPermission().remove(), removeUsers, removeGroups);
        }
        return new AttributeChange(description, addUsers, addGroups, removeUsers, removeGroups);
    }

    /** CreateTags' tags: each with a key and a value. */
    public static List<Tag> tagsToCreate(CreateTags request) {
        tags(request == null ? null : request.tags(), true);
        return request.tags();
    }

    /** DeleteTags' tags: keys, each with an optional value; none named means every tag. */
    public static List<Tag> tagsToDelete(DeleteTags request) {
        List<Tag> named = request == null || request.tags() == null ? List.of() : request.tags();
        if (!named.isEmpty()) {
            tags(named, false);
        }
        return named;
    }

    /**
     * EnableImageDeprecation's time: not in the past (the current minute counts as now), at most ten years ahead,
     * and rounded to the nearest minute.
     */
    public static Instant deprecationTime(EnableDeprecation request, Instant now) {
        if (request == null || request.deprecateAt() == null) {
            throw Ec2Exception.missingParameter("DeprecateAt");
        }
        if (request.deprecateAt().isBefore(now.truncatedTo(ChronoUnit.MINUTES))) {
            throw Ec2Exception.invalidParameter("DeprecateAt must not be in the past.");
        }
        if (request.deprecateAt().isAfter(now.plus(LONGEST_DEPRECATION))) {
            throw Ec2Exception.invalidParameter("DeprecateAt must be within 10 years.");
        }
        return request.deprecateAt().plusSeconds(30).truncatedTo(ChronoUnit.MINUTES);
    }

    public static void name(String name) {
        if (name == null) {
            throw Ec2Exception.missingParameter("Name");
        }
        if (!NAME.matcher(name).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIName.Malformed", "AMI names must be between 3 and 128 characters "
                    + "long, and may contain letters, numbers, '(', ')', '.', '-', '/', '_', ' ', '[', ']', ''' and '@'");
        }
    }

    public static void description(String description) {
        if (description != null && description.length() > 255) {
            throw Ec2Exception.invalidParameter("Description must be at most 255 characters.");
        }
    }

    public static void oneOf(String parameter, String value, Set<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            throw Ec2Exception.invalidParameter("Value (" + printable(value) + ") for parameter " + parameter
                    + " is invalid. Valid values: " + allowed.stream().sorted().toList());
        }
    }

    public static void blockDeviceMappings(String rootDeviceName, List<BlockDeviceMapping> mappings) {
        if (rootDeviceName == null) {
            throw Ec2Exception.missingParameter("RootDeviceName");
        }
        if (mappings == null || mappings.isEmpty()) {
            throw Ec2Exception.missingParameter("BlockDeviceMappings");
        }
        if (mappings.size() > MAX_MAPPINGS) {
            throw Ec2Exception.invalidParameter("At most " + MAX_MAPPINGS + " block device mappings are allowed.");
        }
        Set<String> devices = new HashSet<>();
        boolean rootMapped = false;
        for (BlockDeviceMapping mapping : mappings) {
            if (mapping == null || mapping.deviceName() == null) {
                throw Ec2Exception.missingParameter("BlockDeviceMapping.DeviceName");
            }
            if (!DEVICE_NAME.matcher(mapping.deviceName()).matches()) {
                throw Ec2Exception.invalidParameter("Invalid device name " + printable(mapping.deviceName()));
            }
            if (!devices.add(mapping.deviceName())) {
                throw Ec2Exception.invalidParameter("The device name " + mapping.deviceName() + " is mapped twice.");
            }
            if (mapping.ebs() == null || mapping.ebs().snapshotId() == null) {
                throw Ec2Exception.missingParameter("BlockDeviceMapping.Ebs.SnapshotId");
            }
            Ec2Exception.requireWellFormed(ResourceKind.SNAPSHOT, mapping.ebs().snapshotId());
            Integer size = mapping.ebs().volumeSize();
            if (size != null && (size < 1 || size > 65536)) {
                throw Ec2Exception.invalidParameter("Volume size must be between 1 and 65536 GiB.");
            }
            oneOf("VolumeType", mapping.ebs().volumeType(), VOLUME_TYPES);
            rootMapped |= mapping.deviceName().equals(rootDeviceName);
        }
        if (!rootMapped) {
            throw Ec2Exception.invalidParameter("The root device name " + printable(rootDeviceName)
                    + " is not among the block device mappings.");
        }
    }

    public static void tags(List<Tag> tags, boolean valueRequired) {
        if (tags == null || tags.isEmpty()) {
            throw Ec2Exception.missingParameter("Tags");
        }
        if (tags.size() > MAX_TAGS) {
            throw new Ec2Exception(400, "TagLimitExceeded", "An image can have at most " + MAX_TAGS + " tags.");
        }
        for (Tag tag : tags) {
            if (tag == null || tag.key() == null || tag.key().isEmpty() || tag.key().length() > 128) {
                throw Ec2Exception.invalidParameter("Tag keys must be 1 to 128 characters.");
            }
            if (tag.key().toLowerCase().startsWith("aws:")) {
                throw Ec2Exception.invalidParameter("Tag keys starting with 'aws:' are reserved for internal use.");
            }
            if (valueRequired && tag.value() == null) {
                throw Ec2Exception.missingParameter("Tag.Value");
            }
            if (tag.value() != null && tag.value().length() > 256) {
                throw Ec2Exception.invalidParameter("Tag values must be at most 256 characters.");
            }
        }
    }

    public static void account(String account) {
        if (account == null || !ACCOUNT.matcher(account).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIAttributeItemValue",
                    "Invalid attribute item value \"" + printable(String.valueOf(account)) + "\" for userId item type.");
        }
    }

    /** Echoes a caller's value into a message without letting it grow the answer unboundedly. */
    public static String printable(String value) {
        return value.length() > 80 ? value.substring(0, 80) + "..." : value;
    }

    private static void permissions(List<LaunchPermission> permissions, Set<String> users, Set<String> groups) {
        if (permissions == null) {
            return;
        }
        if (permissions.size() > MAX_PERMISSION_CHANGES) {
            throw Ec2Exception.invalidParameter("At most " + MAX_PERMISSION_CHANGES
                    + " launch permissions may change in one request.");
        }
        for (LaunchPermission permission : permissions) {
            if (permission == null || (permission.userId() == null) == (permission.group() == null)) {
                throw Ec2Exception.invalidParameter("Each launch permission names either a UserId or a Group.");
            }
            if (permission.group() != null) {
                if (!"all".equals(permission.group())) {
                    throw Ec2Exception.badRequest("InvalidAMIAttributeItemValue", "Invalid attribute item value \""
                            + printable(permission.group()) + "\" for group item type.");
                }
                groups.add("all");
            } else {
                account(permission.userId());
                users.add(permission.userId());
            }
        }
    }
}
