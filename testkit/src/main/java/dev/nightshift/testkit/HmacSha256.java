package dev.nightshift.testkit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 of a body, as the sources sign their deliveries: written here from their documentation, not
 * borrowed from ingest's verifiers, so a test of a verifier checks it against an independent signer.
 */
final class HmacSha256 {

    private HmacSha256() {
    }

    static byte[] of(String body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(String body, String secret) {
        return HexFormat.of().formatHex(of(body, secret));
    }

    static String base64(String body, String secret) {
        return Base64.getEncoder().encodeToString(of(body, secret));
    }
}
