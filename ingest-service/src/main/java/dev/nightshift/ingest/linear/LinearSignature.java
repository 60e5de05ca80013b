package dev.nightshift.ingest.linear;

import java.util.HexFormat;

import dev.nightshift.ingest.webhook.Hmac;

/** {@code Linear-Signature}: the hex HMAC-SHA256 of the raw body, compared in constant time. */
public final class LinearSignature {

    public static final String HEADER = "Linear-Signature";

    private LinearSignature() {
    }

    public static String sign(byte[] body, String secret) {
        return HexFormat.of().formatHex(Hmac.sha256(body, secret));
    }

    public static boolean verify(byte[] body, String header, String secret) {
        return header != null && !header.isBlank() && Hmac.same(sign(body, secret), header);
    }
}
