package dev.imageregistry.stack;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.waiters.Ec2Waiter;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.core.retry.backoff.FixedDelayBackoffStrategy;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;

/**
 * The AWS SDK for Java v2 pointed at the local stack as a user points it: one endpoint URL for every Region (the
 * first Region's gateway), the Region chosen per client, and the access keys of a profile from the stack's
 * standard credentials file.
 */
final class AwsClients {
    private final URI endpoint;
    private final Path credentials;

    AwsClients(String endpoint, Path dataDir) {
        this.endpoint = URI.create(endpoint);
        this.credentials = dataDir.resolve("aws/credentials");
    }

    Ec2Client ec2(String profile, String region) {
        return Ec2Client.builder().endpointOverride(endpoint).region(Region.of(region)).credentialsProvider(keys(profile))
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD)).build();
    }

    /** A client that does not retry, to see a refusal the SDK would otherwise retry (throttling, say). */
    Ec2Client ec2WithoutRetries(String profile, String region) {
        return Ec2Client.builder().endpointOverride(endpoint).region(Region.of(region)).credentialsProvider(keys(profile))
                .httpClient(Apache5HttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()))
                .build();
    }

    StsClient sts(String profile) {
        return StsClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1).credentialsProvider(keys(profile))
                .httpClient(Apache5HttpClient.create()).build();
    }

    AwsCredentialsProvider keys(String profile) {
        return ProfileCredentialsProvider.builder().profileName(profile)
                .profileFile(ProfileFile.builder().content(credentials).type(ProfileFile.Type.CREDENTIALS).build()).build();
    }

    /** The SDK's own waiters, polling every second rather than every 15 s (the models' delay, sized for real AWS). */
    static Ec2Waiter waiter(Ec2Client ec2) {
        return Ec2Waiter.builder().client(ec2).overrideConfiguration(WaiterOverrideConfiguration.builder()
                .backoffStrategy(FixedDelayBackoffStrategy.create(Duration.ofSeconds(1))).waitTimeout(Duration.ofMinutes(4))
                .build()).build();
    }
}
