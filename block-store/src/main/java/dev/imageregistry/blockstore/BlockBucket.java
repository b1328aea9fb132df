package dev.imageregistry.blockstore;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.quarkus.runtime.StartupEvent;

/**
 * The Region's S3 bucket of content-addressed blocks. Created at startup when missing (a new Region needs no
 * manual step), and checked by readiness: a replica that cannot reach S3 takes no traffic.
 */
@Readiness
@ApplicationScoped
public class BlockBucket implements HealthCheck {
    private static final Logger LOG = Logger.getLogger(BlockBucket.class);

    private final MinioClient s3;
    private final String bucket;

    public BlockBucket(MinioClient s3, @ConfigProperty(name = "imageregistry.blocks.bucket") String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    public String name() {
        return bucket;
    }

    void createIfMissing(@Observes StartupEvent started) {
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
                LOG.infof("created bucket %s", bucket);
            }
        } catch (Exception e) {
            // Not fatal: readiness stays DOWN until S3 answers, and the service recovers by itself.
            LOG.warnf("bucket %s could not be checked at startup: %s", bucket, e.toString());
        }
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("S3 block store").withData("bucket", bucket);
        try {
            boolean exists = s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build());
            if (!exists) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            }
            return response.up().build();
        } catch (Exception e) {
            return response.down().withData("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
