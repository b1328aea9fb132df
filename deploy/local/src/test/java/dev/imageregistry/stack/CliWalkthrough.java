package dev.imageregistry.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * docs/walkthrough.md with the real aws command line, step for step: the same commands a newcomer types, with the
 * profiles the local stack wrote (their {@code endpoint_url} is the one AWS endpoint for every Region).
 */
final class CliWalkthrough {
    static final String A = "111111111111";
    static final String B = "222222222222";

    private final AwsCli aws;
    private final String snapshotEndpoint;
    private final String tokenA;

    CliWalkthrough(AwsCli aws, String snapshotEndpoint, String tokenA) {
        this.aws = aws;
        this.snapshotEndpoint = snapshotEndpoint;
        this.tokenA = tokenA;
    }

    void run(Path work) throws Exception {
        assertEquals(A, aws.ok("--profile", "a", "sts", "get-caller-identity", "--query", "Account", "--output", "text"));
        assertEquals("eu-west-1\tus-east-1", String.join("\t", sorted(aws.ok("--profile", "a", "ec2", "describe-regions",
                "--query", "Regions[].RegionName", "--output", "text").split("\\s+"))));

        // 1. A uploads a raw disk (mostly empty) as a snapshot in us-east-1 with the upload tool.
        Path disk = SnapshotTool.sparseDisk(work.resolve("cli-disk.raw"), 256, 12, new Random(11));
        String snapshot = SnapshotTool.upload(snapshotEndpoint, tokenA, disk);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals("completed", aws.ok("--profile", "a",
                "ec2", "describe-snapshots", "--snapshot-ids", snapshot, "--query", "Snapshots[0].State", "--output", "text")));

        // 2. A registers an image whose root device maps it: available at once.
        String[] image = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> image[0] = aws.ok(
                "--profile", "a", "ec2", "register-image", "--name", "cli-web-server", "--architecture", "x86_64",
                "--root-device-name", "/dev/xvda", "--virtualization-type", "hvm", "--ena-support",
                "--block-device-mappings", "DeviceName=/dev/xvda,Ebs={SnapshotId=" + snapshot + ",VolumeType=gp3}",
                "--tag-specifications", "ResourceType=image,Tags=[{Key=team,Value=web}]",
                "--query", "ImageId", "--output", "text"));
        String imageId = image[0];
        assertTrue(imageId.matches("ami-[0-9a-f]{17}"), imageId);
        assertEquals("available", aws.ok("--profile", "a", "ec2", "describe-images", "--image-ids", imageId, "--query",
                "Images[0].State", "--output", "text"));

        // 3. A shares it with B: B sees it and may launch it; C cannot see it at all.
        aws.ok("--profile", "a", "ec2", "modify-image-attribute", "--image-id", imageId, "--launch-permission",
                "Add=[{UserId=" + B + "}]");
        assertTrue(aws.ok("--profile", "b", "ec2", "describe-images", "--executable-users", "self", "--query",
                "Images[].ImageId", "--output", "text").contains(imageId));
        aws.fails("InvalidAMIID.NotFound", "--profile", "c", "ec2", "describe-images", "--image-ids", imageId);

        // 4. B launches two instances from it; A sees (as owner) that the image is in use.
        String[] instances = aws.ok("--profile", "b", "ec2", "run-instances", "--image-id", imageId, "--count", "2",
                "--instance-type", "t3.micro", "--query", "Instances[].InstanceId", "--output", "text").split("\\s+");
        assertEquals(2, instances.length);
        aws.ok(concat(List.of("--profile", "b", "ec2", "wait", "instance-running", "--instance-ids"), instances));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertTrue(aws.ok("--profile", "a", "ec2",
                "describe-images", "--image-ids", imageId, "--query", "Images[0].LastLaunchedTime", "--output", "text")
                .matches("\\d{4}-\\d\\d-\\d\\dT.*Z")));

        // 5. A copies the image to eu-west-1 (asked of the destination Region) and waits until it is available.
        String copy = aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "copy-image", "--source-region",
                "us-east-1", "--source-image-id", imageId, "--name", "cli-web-server-eu", "--query", "ImageId",
                "--output", "text");
        aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "wait", "image-available", "--image-ids", copy);
        assertEquals(imageId + "\tus-east-1", aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "describe-images",
                "--image-ids", copy, "--query", "Images[0].[SourceImageId,SourceImageRegion]", "--output", "text"));

        // 6. A launches the copy in eu-west-1; B cannot until A shares the copy there too.
        assertTrue(aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "run-instances", "--image-id", copy,
                "--instance-type", "t3.micro", "--query", "Instances[0].InstanceId", "--output", "text").startsWith("i-"));
        aws.fails("InvalidAMIID.NotFound", "--profile", "b", "--region", "eu-west-1", "ec2", "run-instances",
                "--image-id", copy, "--instance-type", "t3.micro");

        // 7. A bakes: it launches the image, makes an image of the running instance (no block is copied, so it is
        // available at once whatever the disk's size), copies the baked image to eu-west-1 and launches it there.
        bake(imageId);

        // 8. A deregisters the source with its snapshots: B's instances keep running, the copy is untouched.
        aws.ok("--profile", "a", "ec2", "deregister-image", "--image-id", imageId, "--delete-associated-snapshots");
        assertEquals("running\trunning", aws.ok(concat(List.of("--profile", "b", "ec2", "describe-instances",
                "--query", "Reservations[].Instances[].State.Name", "--output", "text", "--instance-ids"), instances))
                .replaceAll("\\s+", "\t"));
        aws.fails("InvalidAMIID.NotFound", "--profile", "a", "ec2", "describe-images", "--image-ids", imageId);
        assertEquals("available", aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "describe-images",
                "--image-ids", copy, "--query", "Images[0].State", "--output", "text"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> aws.fails("InvalidSnapshot.NotFound", "--profile", "a",
                "ec2", "describe-snapshots", "--snapshot-ids", snapshot));
    }

    private void bake(String imageId) {
        String instance = aws.ok("--profile", "a", "ec2", "run-instances", "--image-id", imageId, "--instance-type",
                "t3.micro", "--query", "Instances[0].InstanceId", "--output", "text");
        aws.ok("--profile", "a", "ec2", "wait", "instance-running", "--instance-ids", instance);
        backUpTheRootVolume(instance, imageId);
        String baked = aws.ok("--profile", "a", "ec2", "create-image", "--instance-id", instance, "--name",
                "cli-web-server-baked", "--description", "baked from " + instance, "--tag-specifications",
                "ResourceType=image,Tags=[{Key=stage,Value=baked}]", "--query", "ImageId", "--output", "text");
        aws.ok("--profile", "a", "ec2", "wait", "image-available", "--image-ids", baked);
        assertEquals(instance + "\tbaked", aws.ok("--profile", "a", "ec2", "describe-images", "--image-ids", baked,
                "--query", "Images[0].[SourceInstanceId,Tags[?Key=='stage'].Value|[0]]", "--output", "text"));
        aws.fails("InvalidAMIName.Duplicate", "--profile", "a", "ec2", "create-image", "--instance-id", instance,
                "--name", "cli-web-server-baked");
        String copy = aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "copy-image", "--source-region",
                "us-east-1", "--source-image-id", baked, "--name", "cli-web-server-baked-eu", "--query", "ImageId",
                "--output", "text");
        aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "wait", "image-available", "--image-ids", copy);
        String there = aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "run-instances", "--image-id", copy,
                "--instance-type", "t3.micro", "--query", "Instances[0].InstanceId", "--output", "text");
        aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "wait", "instance-running", "--instance-ids", there);
    }

    /**
     * The instance's root volume (DescribeVolumes), a snapshot of it (CreateSnapshot: the volume's block map at this
     * moment, no block copied) and a copy of that snapshot in eu-west-1 (CopySnapshot, asked of the destination).
     */
    private void backUpTheRootVolume(String instance, String imageId) {
        String rootSnapshot = aws.ok("--profile", "a", "ec2", "describe-images", "--image-ids", imageId, "--query",
                "Images[0].BlockDeviceMappings[0].Ebs.SnapshotId", "--output", "text");
        String[] volume = aws.ok("--profile", "a", "ec2", "describe-volumes", "--filters",
                "Name=attachment.instance-id,Values=" + instance, "--query",
                "Volumes[0].[VolumeId,State,SnapshotId,Attachments[0].InstanceId,Size]", "--output", "text")
                .split("\\s+");
        assertEquals(List.of("in-use", rootSnapshot, instance), List.of(volume[1], volume[2], volume[3]));
        aws.fails("InvalidVolume.NotFound", "--profile", "b", "ec2", "create-snapshot", "--volume-id", volume[0]);
        String backup = aws.ok("--profile", "a", "ec2", "create-snapshot", "--volume-id", volume[0], "--description",
                "root of " + instance, "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=stage,Value=backup}]",
                "--query", "SnapshotId", "--output", "text");
        aws.ok("--profile", "a", "ec2", "wait", "snapshot-completed", "--snapshot-ids", backup);
        String copy = aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "copy-snapshot", "--source-region",
                "us-east-1", "--source-snapshot-id", backup, "--description", "backup in Ireland",
                "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=stage,Value=backup-eu}]", "--query",
                "SnapshotId", "--output", "text");
        aws.ok("--profile", "a", "--region", "eu-west-1", "ec2", "wait", "snapshot-completed", "--snapshot-ids", copy);
        assertEquals(volume[4] + "\tbackup in Ireland\tbackup-eu", aws.ok("--profile", "a", "--region", "eu-west-1",
                "ec2", "describe-snapshots", "--snapshot-ids", copy, "--query",
                "Snapshots[0].[VolumeSize,Description,Tags[?Key=='stage'].Value|[0]]", "--output", "text"));
        // Only the owner of a snapshot may copy it: anyone else is told it does not exist, once the copy has looked.
        String refused = aws.ok("--profile", "b", "--region", "eu-west-1", "ec2", "copy-snapshot", "--source-region",
                "us-east-1", "--source-snapshot-id", backup, "--query", "SnapshotId", "--output", "text");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertEquals("error", aws.ok("--profile", "b",
                "--region", "eu-west-1", "ec2", "describe-snapshots", "--snapshot-ids", refused, "--query",
                "Snapshots[0].State", "--output", "text")));
    }

    private static String[] concat(List<String> first, String[] rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    private static List<String> sorted(String[] values) {
        List<String> list = new ArrayList<>(List.of(values));
        list.sort(null);
        return list;
    }
}
