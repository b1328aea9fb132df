package dev.imageregistry.registry.image;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.imageregistry.platform.errors.Ec2Exception;
import dev.imageregistry.registry.image.ImageEvent.BlockDeviceMapping;
import dev.imageregistry.registry.image.ImageEvent.Tag;

/** EC2's limits on image parameters, checked before anything is written so a refusal changes nothing. */
public final class ImageParameters {
    /** EC2's resource IDs: the prefix and 17 hex digits, or 8 for resources of before 2016 (still well formed). */
    public static final Pattern IMAGE_ID = Pattern.compile("ami-(?:[0-9a-f]{8}|[0-9a-f]{17})");
    public static final Pattern SNAPSHOT_ID = Pattern.compile("snap-(?:[0-9a-f]{8}|[0-9a-f]{17})");
    /**
     * The image IDs this system issues (17 hex digits), the only ones its event contracts (docs/events) allow: a
     * well-formed ID of the older shape names no image here, in any Region.
     */
    public static final Pattern ISSUED_IMAGE_ID = Pattern.compile("ami-[0-9a-f]{17}");
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

    private ImageParameters() {
    }

    public static void imageId(String imageId) {
        if (imageId == null || imageId.isEmpty()) {
            throw Ec2Exception.missingParameter("ImageId");
        }
        if (!IMAGE_ID.matcher(imageId).matches()) {
            throw Ec2Exception.badRequest("InvalidAMIID.Malformed", "Invalid id: \"" + printable(imageId) + "\"");
        }
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
            if (!SNAPSHOT_ID.matcher(mapping.ebs().snapshotId()).matches()) {
                throw Ec2Exception.badRequest("InvalidSnapshotID.Malformed",
                        "Invalid id: \"" + printable(mapping.ebs().snapshotId()) + "\" (expecting \"snap-...\")");
            }
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
}
