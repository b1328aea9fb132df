package dev.imageregistry.replicator.regions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * How this replicator reads each peer Region's blocks: which key pair, and which certificate authority its HTTPS
 * endpoint is trusted with. {@code imageregistry.replicator.peer-s3.<region>.access-key} and {@code .secret-key}
 * replace the shared pair ({@code imageregistry.replicator.source-access-key/secret-key}) for that peer, typically
 * a read-only user on the peer's MinIO; {@code .ca-file} is a PEM file (one or more certificates) that peer's
 * endpoint is trusted with <em>instead of</em> the JVM's default authorities, as Kafka's PEM trust store is: a peer
 * in another cluster presents a certificate of its own CA, and nothing else, not even a publicly trusted
 * certificate for the same host name, should pass for that peer. Without a CA file the JVM's defaults apply (a
 * publicly trusted certificate, or plain HTTP in-cluster).
 * <p>
 * The CA file is read again at each copy attempt ({@link #trust}): Kubernetes updates a mounted Secret in place,
 * so a renewed CA copied from the peer's cluster takes effect without a restart, and copies waiting on a refused
 * handshake go on by themselves.
 */
@ApplicationScoped
public class PeerS3 {
    static final String PREFIX = "imageregistry.replicator.peer-s3.";
    static final String CA_FILE = "ca-file";
    static final String ACCESS_KEY = "access-key";
    static final String SECRET_KEY = "secret-key";

    /** The key pair a peer is read with, and its CA file if it has one. */
    public record Access(String accessKey, String secretKey, Optional<Path> caFile) {
    }

    /** The TLS settings a peer's CA makes: what OkHttp needs to trust that CA and nothing else. */
    public record Trust(SSLContext context, X509TrustManager trustManager) {
    }

    private final Map<String, Access> peers = new HashMap<>();
    private final Access shared;

    public PeerS3(SourceRegions regions, Config config,
            @ConfigProperty(name = "imageregistry.replicator.source-access-key") String sharedAccessKey,
            @ConfigProperty(name = "imageregistry.replicator.source-secret-key") String sharedSecretKey) {
        this.shared = new Access(sharedAccessKey, sharedSecretKey, Optional.empty());
        PeerSettings.read(config, PREFIX, regions.all(), Set.of(CA_FILE, ACCESS_KEY, SECRET_KEY)).forEach((region, set) -> {
            if (set.containsKey(ACCESS_KEY) != set.containsKey(SECRET_KEY)) {
                // Half a pair would sign with the other half of the shared one: refused by the peer, later and vaguely.
                throw new IllegalArgumentException(PREFIX + region + "." + ACCESS_KEY + " and ." + SECRET_KEY
                        + " go together: set both or neither");
            }
            Optional<Path> ca = Optional.ofNullable(set.get(CA_FILE)).map(Path::of);
            // A missing or unreadable CA file is a deployment error: say so at start, not at the first copy.
            ca.ifPresent(PeerS3::trust);
            peers.put(region, new Access(set.getOrDefault(ACCESS_KEY, sharedAccessKey),
                    set.getOrDefault(SECRET_KEY, sharedSecretKey), ca));
        });
    }

    /** How {@code region}'s blocks are read (the shared pair and the JVM's trust if nothing is set for it). */
    public Access access(String region) {
        return peers.getOrDefault(region, shared);
    }

    /** TLS settings trusting exactly the certificates in {@code caFile} as it is now. */
    public static Trust trust(Path caFile) {
        return trusting(read(caFile), caFile);
    }

    /** The CA file's text, to compare with what a client was built with. */
    public static String read(Path caFile) {
        try {
            return Files.readString(caFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the peer's CA file " + caFile, e);
        }
    }

    /** TLS settings trusting exactly the certificates in {@code pem} (read from {@code caFile}). */
    public static Trust trusting(String pem, Path caFile) {
        try {
            Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException(caFile + " holds no PEM certificate");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            X509TrustManager trustManager = null;
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    trustManager = x509;
                }
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager}, null);
            return new Trust(context, trustManager);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(caFile + " is not a PEM certificate: " + e.getMessage(), e);
        }
    }
}
