package dev.imageregistry.snapshot.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

import dev.imageregistry.platform.errors.Ec2Exception;

/**
 * A block's SHA-256: base64 on the API (as EBS), lowercase hex in the database and in object keys, URL-safe base64
 * as a block token (tokens name content, not a location).
 */
public record BlockChecksum(byte[] raw) {
    public static final int BLOCK_SIZE = 524_288;
    public static final String ALGORITHM = "SHA256";
    /** The token of a never-written block, for clients that ask for one anyway. */
    public static final String ZERO_TOKEN = "zero";
    private static final HexFormat HEX = HexFormat.of();

    public static BlockChecksum of(byte[] data) {
        return new BlockChecksum(sha256().digest(data));
    }

    /**
     * PutSnapshotBlock's body, checked against its headers before anything is stored: the algorithm (SHA256 when
     * given), the claimed checksum (a base64 SHA-256), exactly one block of data, and data that hashes to the
     * claim. Answers the checksum the block is then stored under.
     */
    public static BlockChecksum verified(byte[] data, String claimedBase64, String algorithm, Long dataLength) {
        if (algorithm != null && !ALGORITHM.equals(algorithm)) {
            throw Ec2Exception.invalidParameter("x-amz-Checksum-Algorithm must be SHA256.");
        }
        if (claimedBase64 == null) {
            throw Ec2Exception.missingParameter("x-amz-Checksum");
        }
        BlockChecksum claimed = fromBase64(claimedBase64);
        if (claimed == null) {
            throw Ec2Exception.invalidParameter("x-amz-Checksum must be a base64 SHA-256.");
        }
        if (data == null || data.length != BLOCK_SIZE || (dataLength != null && dataLength != BLOCK_SIZE)) {
            throw Ec2Exception.invalidParameter("A block is exactly " + BLOCK_SIZE + " bytes.");
        }
        BlockChecksum actual = of(data);
        if (!actual.matches(claimed)) {
            throw Ec2Exception.invalidParameter("The block's data does not match its x-amz-Checksum; nothing was stored.");
        }
        return actual;
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

    /** The block token of this content: the URL-safe base64 of the SHA-256. */
    public String token() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
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
