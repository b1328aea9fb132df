package dev.imageregistry.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.ArchitectureValues;
import software.amazon.awssdk.services.ec2.model.DescribeImagesRequest;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.ImageAttributeName;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.LaunchPermission;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagDescription;
import software.amazon.awssdk.services.ec2.model.TagSpecification;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The story, and what Terraform and Packer ask of DescribeImages, with the AWS SDK for Java v2 against both Regions
 * through one endpoint: each account a profile of the stack's credentials file, the SDK's waiters and paginators.
 */
final class SdkStory implements AutoCloseable {
    static final String A = "111111111111";
    static final String B = "222222222222";
    static final String C = "333333333333";

    private final Ec2Client eastA;
    private final Ec2Client eastB;
    private final Ec2Client eastC;
    private final Ec2Client westA;
    private final Ec2Client westB;
    private final AwsClients clients;
    private final String snapshotEndpoint;
    private final String tokenA;

    SdkStory(AwsClients clients, String snapshotEndpoint, String tokenA) {
        this.clients = clients;
        this.snapshotEndpoint = snapshotEndpoint;
        this.tokenA = tokenA;
        eastA = clients.ec2("a", "us-east-1");
        eastB = clients.ec2("b", "us-east-1");
        eastC = clients.ec2("c", "us-east-1");
        westA = clients.ec2("a", "eu-west-1");
        westB = clients.ec2("b", "eu-west-1");
    }

    @Override
    public void close() {
        List.of(eastA, eastB, eastC, westA, westB).forEach(Ec2Client::close);
    }

    /** Register, share, describe as the owner, the shared account and a stranger, launch, copy, launch the copy, deregister. */
    void story(Path work) throws Exception {
        for (String profile : List.of("a", "b", "c")) {
            try (StsClient sts = clients.sts(profile)) {
                var identity = sts.getCallerIdentity();
                assertEquals(Map.of("a", A, "b", B, "c", C).get(profile), identity.account());
                assertEquals("arn:aws:iam::" + identity.account() + ":user/" + profile, identity.arn());
            }
        }
        String snapshot = upload(work, "sdk-disk.raw", 3);
        String imageId = register(eastA, "sdk-web-server", snapshot);
        Image image = only(eastA, imageId);
        assertEquals("available", image.stateAsString());
        assertEquals(A, image.ownerId());
        assertEquals("machine", image.imageTypeAsString());
        assertEquals("xen", image.hypervisorAsString());
        assertEquals("Linux/UNIX", image.platformDetails());
        assertEquals("RunInstances", image.usageOperation());
        assertEquals(A + "/sdk-web-server", image.imageLocation());
        assertTrue(Instant.parse(image.creationDate()).isAfter(Instant.now().minus(Duration.ofMinutes(5))), image.creationDate());
        assertEquals("amazon", image.imageOwnerAlias(), "account A is the stack's 'amazon'");

        // Shared with B: B sees it among the images it may launch; C does not see it at all.
        eastA.modifyImageAttribute(r -> r.imageId(imageId).launchPermission(p -> p.add(LaunchPermission.builder()
                .userId(B).build())));
        assertTrue(ids(eastB.describeImages(r -> r.executableUsers("self")).images()).contains(imageId));
        assertEquals(imageId, only(eastB, imageId).imageId());
        Ec2Exception hidden = assertThrows(Ec2Exception.class, () -> eastC.describeImages(r -> r.imageIds(imageId)));
        assertEquals("InvalidAMIID.NotFound", hidden.awsErrorDetails().errorCode());
        assertFalse(ids(eastC.describeImages(r -> r.executableUsers("self")).images()).contains(imageId));
        assertEquals(List.of(B), eastA.describeImageAttribute(r -> r.imageId(imageId)
                .attribute(ImageAttributeName.LAUNCH_PERMISSION)).launchPermissions().stream().map(LaunchPermission::userId).toList());

        // B launches two instances; the SDK's waiter sees them running; B's references to the image list them.
        List<String> instances = eastB.runInstances(r -> r.imageId(imageId).minCount(2).maxCount(2).instanceType("t3.micro"))
                .instances().stream().map(Instance::instanceId).toList();
        assertEquals(2, instances.size());
        AwsClients.waiter(eastB).waitUntilInstanceRunning(r -> r.instanceIds(instances)).matched().response().orElseThrow();
        assertEquals(2, eastB.describeImageReferences(r -> r.imageIds(imageId)).imageReferences().size());

        // A copies it to eu-west-1 (the destination answers CopyImage), waiting with the SDK's own waiter.
        String copyId = westA.copyImage(r -> r.sourceRegion("us-east-1").sourceImageId(imageId).name("sdk-web-server-eu"))
                .imageId();
        AwsClients.waiter(westA).waitUntilImageAvailable(r -> r.imageIds(copyId)).matched().response().orElseThrow();
        Image copy = only(westA, copyId);
        assertEquals(imageId, copy.sourceImageId());
        assertEquals("us-east-1", copy.sourceImageRegion());
        assertEquals("available", copy.stateAsString());

        // A launches the copy there; B may not (launch permissions are not copied) until A shares it there too.
        String westInstance = westA.runInstances(r -> r.imageId(copyId).minCount(1).maxCount(1).instanceType("t3.micro"))
                .instances().get(0).instanceId();
        AwsClients.waiter(westA).waitUntilInstanceRunning(r -> r.instanceIds(westInstance));
        Ec2Exception notShared = assertThrows(Ec2Exception.class,
                () -> westB.runInstances(r -> r.imageId(copyId).minCount(1).maxCount(1)));
        assertEquals("InvalidAMIID.NotFound", notShared.awsErrorDetails().errorCode());
        westA.modifyImageAttribute(r -> r.imageId(copyId).attribute("launchPermission").operationType("add").userIds(B));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertFalse(westB.runInstances(r -> r.imageId(copyId)
                .minCount(1).maxCount(1)).instances().isEmpty()));

        // A deregisters the source with its snapshots: B's instances keep running; the copy is untouched.
        assertTrue(eastA.deregisterImage(r -> r.imageId(imageId).deleteAssociatedSnapshots(true)).returnValue());
        assertEquals(Set.of(InstanceStateName.RUNNING), new HashSet<>(eastB.describeInstances(r -> r.instanceIds(instances))
                .reservations().stream().flatMap(res -> res.instances().stream()).map(i -> i.state().name()).toList()));
        assertEquals("available", only(westA, copyId).stateAsString());
        eastB.terminateInstances(r -> r.instanceIds(instances));
        AwsClients.waiter(eastB).waitUntilInstanceTerminated(r -> r.instanceIds(instances));
    }

    /** DescribeImages as Terraform's aws_ami and Packer's source_ami_filter use it: owners, filters, paging, most recent. */
    void describeImagesAsToolsDo(Path work) throws Exception {
        String snapshot = upload(work, "sdk-catalogue.raw", 1);
        List<String> registered = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            int n = i;
            registered.add(register(eastA, "catalogue/ubuntu-jammy-22.04-amd64-server-2026120" + n, snapshot,
                    Tag.builder().key("release").value(n % 2 == 0 ? "even" : "odd").build()));
        }
        // Paging with the SDK's paginator: every image once, in pages of 5.
        List<String> paged = new ArrayList<>();
        eastA.describeImagesPaginator(r -> r.owners("self").maxResults(5)).forEach(page -> {
            assertTrue(page.images().size() <= 5);
            paged.addAll(ids(page.images()));
        });
        assertEquals(paged.size(), new HashSet<>(paged).size(), "no image twice");
        assertTrue(paged.containsAll(registered), paged.toString());

        // Owners by alias, name patterns with * and ? anywhere, tags, and most_recent by CreationDate.
        assertTrue(eastB.describeImages(r -> r.owners("amazon").filters(filter("name",
                "catalogue/ubuntu-jammy-22.04-*-server-2026120?"))).images().isEmpty(),
                "B sees none of A's unshared images, even by alias");
        List<Image> byAlias = eastA.describeImages(r -> r.owners("amazon").filters(filter("name", "catalogue/ubuntu-*"))).images();
        assertEquals(Set.copyOf(registered), Set.copyOf(ids(byAlias)));
        assertTrue(byAlias.stream().allMatch(i -> "amazon".equals(i.imageOwnerAlias())));
        assertEquals(Set.copyOf(registered), Set.copyOf(ids(eastA.describeImages(r -> r.filters(filter("owner-alias", "amaz*"),
                filter("name", "*jammy-22.04-amd64*"))).images())));
        assertEquals(4, eastA.describeImages(r -> r.owners(A).filters(filter("tag:release", "even"),
                filter("name", "catalogue/*"))).images().size());
        assertEquals(7, eastA.describeImages(r -> r.owners("self").filters(filter("tag-key", "release"),
                filter("state", "available"), filter("architecture", "x86_64"), filter("root-device-type", "ebs"),
                filter("image-type", "machine"), filter("is-public", "false"), filter("hypervisor", "xen"),
                filter("block-device-mapping.snapshot-id", snapshot), filter("platform-details", "Linux/UNIX"))).images().size());
        assertTrue(eastA.describeImages(r -> r.owners("self").filters(filter("platform", "windows"))).images().isEmpty());
        assertTrue(eastA.describeImages(r -> r.owners("aws-marketplace")).images().isEmpty(), "an alias nobody configured");
        Image mostRecent = eastA.describeImages(r -> r.owners("self").filters(filter("name", "catalogue/ubuntu-*"))).images()
                .stream().max((x, y) -> x.creationDate().compareTo(y.creationDate())).orElseThrow();
        assertEquals(registered.get(6), mostRecent.imageId());

        // Unknown filters and legacy IDs are answered as EC2 answers them.
        Ec2Exception unknown = assertThrows(Ec2Exception.class, () -> eastA.describeImages(r -> r.filters(filter("colour", "red"))));
        assertEquals("InvalidParameterValue", unknown.awsErrorDetails().errorCode());
        Ec2Exception legacy = assertThrows(Ec2Exception.class, () -> eastA.describeImages(r -> r.imageIds("ami-1a2b3c4d")));
        assertEquals("InvalidAMIID.NotFound", legacy.awsErrorDetails().errorCode());
        Ec2Exception malformed = assertThrows(Ec2Exception.class, () -> eastA.describeImages(r -> r.imageIds("ami-xyz")));
        assertEquals("InvalidAMIID.Malformed", malformed.awsErrorDetails().errorCode());

        // Tags by resource ID.
        String tagged = registered.get(0);
        eastA.createTags(r -> r.resources(tagged).tags(Tag.builder().key("stage").value("prod").build()));
        List<TagDescription> tags = eastA.describeTags(r -> r.filters(filter("resource-id", tagged))).tags();
        assertTrue(tags.stream().anyMatch(t -> t.key().equals("stage") && t.value().equals("prod")
                && t.resourceTypeAsString().equals("image")), tags.toString());
        eastA.deleteTags(r -> r.resources(tagged).tags(Tag.builder().key("stage").build()));
        assertTrue(eastA.describeTags(r -> r.filters(filter("resource-id", tagged), filter("key", "stage"))).tags().isEmpty());
        assertEquals("InvalidAMIID.NotFound", code(() -> eastB.createTags(r -> r.resources(tagged)
                .tags(Tag.builder().key("x").value("y").build()))));
        //    Snapshots and instances too, in one request with an image; a stranger's resource refuses the whole request.
        String instance = eastA.runInstances(r -> r.imageId(tagged).minCount(1).maxCount(1)).instances().get(0).instanceId();
        eastA.createTags(r -> r.resources(tagged, snapshot, instance).tags(Tag.builder().key("cost-centre").value("42").build()));
        assertEquals(Set.of("image", "snapshot", "instance"), new HashSet<>(eastA.describeTags(r -> r.filters(
                filter("key", "cost-centre"))).tags().stream().map(TagDescription::resourceTypeAsString).toList()));
        assertEquals("42", eastA.describeSnapshots(r -> r.snapshotIds(snapshot)).snapshots().get(0).tags().stream()
                .filter(t -> t.key().equals("cost-centre")).findFirst().orElseThrow().value());
        assertEquals("InvalidInstanceID.NotFound", code(() -> eastB.createTags(r -> r.resources(instance)
                .tags(Tag.builder().key("x").value("y").build()))));
        eastA.deleteTags(r -> r.resources(tagged, snapshot, instance).tags(Tag.builder().key("cost-centre").build()));
        assertTrue(eastA.describeTags(r -> r.filters(filter("key", "cost-centre"))).tags().isEmpty());
        //    DeleteTags without tags removes every tag of the resource, as EC2 does.
        eastA.deleteTags(r -> r.resources(registered.get(2)));
        assertTrue(only(eastA, registered.get(2)).tags().isEmpty());
        eastA.terminateInstances(r -> r.instanceIds(instance));

        // Deprecation, disabling and deregistration protection.
        String lifecycle = registered.get(1);
        Instant deprecateAt = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.MINUTES);
        eastA.enableImageDeprecation(r -> r.imageId(lifecycle).deprecateAt(deprecateAt));
        assertEquals(deprecateAt, Instant.parse(only(eastA, lifecycle).deprecationTime()));
        eastA.disableImageDeprecation(r -> r.imageId(lifecycle));
        eastA.enableImageDeregistrationProtection(r -> r.imageId(lifecycle));
        assertEquals("OperationNotPermitted", code(() -> eastA.deregisterImage(r -> r.imageId(lifecycle))));
        eastA.disableImageDeregistrationProtection(r -> r.imageId(lifecycle));
        eastA.disableImage(r -> r.imageId(lifecycle));
        assertEquals("disabled", eastA.describeImages(r -> r.imageIds(lifecycle).includeDisabled(true)).images().get(0)
                .stateAsString());
        eastA.enableImage(r -> r.imageId(lifecycle));
        assertEquals("available", only(eastA, lifecycle).stateAsString());
        assertEquals("uefi", eastA.describeImageAttribute(r -> r.imageId(lifecycle).attribute(ImageAttributeName.BOOT_MODE))
                .bootMode().value());

        // DryRun: what would succeed says so and changes nothing; what would not gets the real refusal.
        assertEquals("DryRunOperation", code(() -> eastA.registerImage(r -> r.dryRun(true).name("never-registered")
                .architecture(ArchitectureValues.X86_64).rootDeviceName("/dev/xvda")
                .blockDeviceMappings(m -> m.deviceName("/dev/xvda").ebs(e -> e.snapshotId(snapshot))))));
        assertTrue(eastA.describeImages(r -> r.owners("self").filters(filter("name", "never-registered"))).images().isEmpty());
        assertEquals("DryRunOperation", code(() -> eastA.runInstances(r -> r.dryRun(true).imageId(tagged).minCount(1).maxCount(1))));
        assertEquals("DryRunOperation", code(() -> eastA.deregisterImage(r -> r.dryRun(true).imageId(tagged))));
        assertEquals("available", only(eastA, tagged).stateAsString());
        assertEquals("InvalidAMIID.NotFound", code(() -> eastB.deregisterImage(r -> r.dryRun(true).imageId(tagged))));
        assertEquals("InvalidAMIID.NotFound", code(() -> eastB.modifyImageAttribute(r -> r.dryRun(true).imageId(tagged)
                .launchPermission(p -> p.add(LaunchPermission.builder().group("all").build())))));

        // Snapshots, Regions and zones, and what is not offered here.
        assertTrue(eastA.describeSnapshots(r -> r.ownerIds("self")).snapshots().stream()
                .anyMatch(s -> s.snapshotId().equals(snapshot) && s.stateAsString().equals("completed")));
        assertTrue(eastA.describeSnapshots(r -> r.ownerIds("amazon")).snapshots().stream()
                .anyMatch(s -> s.snapshotId().equals(snapshot) && "amazon".equals(s.ownerAlias())), "snapshots by alias");
        assertEquals("InvalidSnapshot.InUse", code(() -> eastA.deleteSnapshot(r -> r.snapshotId(snapshot))));
        assertEquals(List.of("us-east-1", "eu-west-1"), westB.describeRegions().regions().stream().map(r -> r.regionName()).toList());
        assertEquals("eu-west-1a", westB.describeAvailabilityZones().availabilityZones().get(0).zoneName());
        assertEquals("UnsupportedOperation", code(() -> eastA.createVpc(r -> r.cidrBlock("10.0.0.0/16"))));

        // One account flooding the Region is throttled as EC2 throttles; another account is not held back.
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Ec2Exception> throttled = new java.util.concurrent.atomic.AtomicReference<>();
        try (Ec2Client flood = clients.ec2WithoutRetries("c", "us-east-1")) {
            java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(8);
            for (int t = 0; t < 8; t++) {
                senders.submit(() -> {
                    while (throttled.get() == null && sent.incrementAndGet() <= 5_000) {
                        try {
                            flood.describeRegions();
                        } catch (Ec2Exception e) {
                            throttled.compareAndSet(null, e);
                        }
                    }
                });
            }
            senders.shutdown();
            assertTrue(senders.awaitTermination(120, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertNotNull(throttled.get(), sent.get() + " requests in a flood were all admitted");
        assertEquals("RequestLimitExceeded", throttled.get().awsErrorDetails().errorCode());
        assertEquals(503, throttled.get().statusCode());
        assertEquals(2, eastB.describeRegions().regions().size());
        assertEquals("UnsupportedOperation", code(() -> eastA.registerImage(r -> r.name("with-kernel").kernelId("aki-12345678")
                .rootDeviceName("/dev/xvda").blockDeviceMappings(m -> m.deviceName("/dev/xvda").ebs(e -> e.snapshotId(snapshot))))));
    }

    // --- small things

    private String upload(Path work, String name, int dataBlocks) throws Exception {
        Path disk = SnapshotTool.sparseDisk(work.resolve(name), 64, dataBlocks, new Random(name.hashCode()));
        return SnapshotTool.upload(snapshotEndpoint, tokenA, disk);
    }

    /** The registry learns of a new snapshot from the snapshot-service's events: retried until it has. */
    private static String register(Ec2Client ec2, String name, String snapshotId, Tag... tags) {
        String[] imageId = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreException(Ec2Exception.class)
                .until(() -> {
                    imageId[0] = ec2.registerImage(r -> r.name(name).architecture(ArchitectureValues.X86_64)
                            .rootDeviceName("/dev/xvda").virtualizationType("hvm").bootMode("uefi").enaSupport(true)
                            .blockDeviceMappings(m -> m.deviceName("/dev/xvda").ebs(e -> e.snapshotId(snapshotId)
                                    .volumeType("gp3").deleteOnTermination(true)))
                            .tagSpecifications(tags.length == 0 ? List.of() : List.of(TagSpecification.builder()
                                    .resourceType(ResourceType.IMAGE).tags(tags).build()))).imageId();
                    return true;
                });
        return imageId[0];
    }

    private static Image only(Ec2Client ec2, String imageId) {
        List<Image> images = ec2.describeImages(DescribeImagesRequest.builder().imageIds(imageId).build()).images();
        assertEquals(1, images.size(), images.toString());
        assertNotNull(images.get(0).imageId());
        return images.get(0);
    }

    private static List<String> ids(List<Image> images) {
        return images.stream().map(Image::imageId).toList();
    }

    static Filter filter(String name, String... values) {
        return Filter.builder().name(name).values(values).build();
    }

    static String code(Runnable call) {
        Ec2Exception error = assertThrows(Ec2Exception.class, call::run);
        return error.awsErrorDetails().errorCode();
    }
}
