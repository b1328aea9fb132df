package dev.imageregistry.snapshot.blocks;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/** A block's SHA-256: base64 on the API (as EBS), lowercase hex in the database and in object keys. */
public record BlockChecksum(byte[] raw) {
    public static final int BLOCK_SIZE = 524_288;
    public static final String ALGORITHM = "SHA256";
    private static final HexFormat HEX = HexFormat.of();

    public static BlockChecksum of(byte[] data) {
        return new BlockChecksum(sha256().digest(data));
    }

    /** Null when the text is not a base64 SHA-256. */
    public static BlockChecksum fromBase64(String base64) {
        try {
            byte[] raw = Base64.getDecoder().decode(base64);
            return raw.length == 32 ? new BlockChecksum(raw) : null;
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    public static BlockChecksum fromHex(String hex) {
        return new BlockChecksum(HEX.parseHex(hex));
    }

    public String hex() {
        return HEX.formatHex(raw);
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(raw);
    }

    public String objectKey() {
        return "blocks/" + hex();
    }

    public boolean matches(BlockChecksum other) {
        return other != null && MessageDigest.isEqual(raw, other.raw);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The checksum of a block of zeros: what a never-written block reads as. */
    public static final BlockChecksum ZERO_BLOCK = of(new byte[BLOCK_SIZE]);
}
