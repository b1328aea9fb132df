package dev.imageregistry.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server certificate for 127.0.0.1 and localhost, made at test time with the JDK's own {@code keytool} (run as a
 * process: the JDK has no public API that issues certificates). It is its own CA: a client trusts exactly this
 * certificate through {@link #certificatePem()}, as a peer Region trusts another cluster's CA. Kept in a directory,
 * so a broker restarted over the same directory presents the same certificate.
 */
public final class SelfSignedCertificate {
    private final Path keyStore;
    private final String password;
    private final Path certificatePem;

    private SelfSignedCertificate(Path keyStore, String password, Path certificatePem) {
        this.keyStore = keyStore;
        this.password = password;
        this.certificatePem = certificatePem;
    }

    /** The certificate in {@code directory}, made there first if it is not there yet. */
    public static SelfSignedCertificate in(Path directory) {
        Path keyStore = directory.resolve("server.p12");
        Path passwordFile = directory.resolve("server.p12.password");
        Path pem = directory.resolve("ca.crt");
        try {
            if (!Files.exists(pem)) {
                Files.createDirectories(directory);
                byte[] random = new byte[16];
                new SecureRandom().nextBytes(random);
                String password = HexFormat.of().formatHex(random);
                // EC keys: generated in milliseconds, where RSA takes a noticeable part of a second.
                keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "30",
                        "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password,
                        "-keypass", password);
                keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keyStore.toString(),
                        "-storepass", password, "-file", pem.toString());
                Files.writeString(passwordFile, password);
            }
            return new SelfSignedCertificate(keyStore, Files.readString(passwordFile).trim(), pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The PKCS12 key store holding the private key and the certificate (for the server). */
    public Path keyStore() {
        return keyStore;
    }

    public String keyStorePassword() {
        return password;
    }

    /** The certificate alone, PEM-encoded: what a client puts in its trust store. */
    public Path certificatePem() {
        return certificatePem;
    }

    private static void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        command.add("-noprompt");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
