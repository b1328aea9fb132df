package dev.imageregistry.snapshot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

import dev.imageregistry.infra.FreePort;
import dev.imageregistry.infra.RegionTestResource;
import dev.imageregistry.infra.testing.SwitchableProxy;

/** The Region's infrastructure with the service reaching S3 through a proxy that a test can cut and restore. */
public class S3BehindSwitchableProxy extends RegionTestResource {
    private static SwitchableProxy proxy;

    /** The proxy between the service under test and the S3 server. */
    static synchronized SwitchableProxy proxy() {
        return proxy;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        URI s3 = URI.create(config.get("quarkus.minio.host"));
        synchronized (S3BehindSwitchableProxy.class) {
            proxy = new SwitchableProxy(FreePort.next(), s3.getHost(), s3.getPort());
            try {
                proxy.connect();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        config.put("quarkus.minio.host", proxy.endpoint());
        return config;
    }

    @Override
    public void stop() {
        try {
            proxy.close();
        } catch (IOException e) {
            // closing anyway
        }
        super.stop();
    }
}
