package dev.nightshift.ingest.github;

import java.util.HexFormat;

import dev.nightshift.ingest.webhook.Hmac;

/** {@code X-Hub-Signature-256}: {@code sha256=} and the hex HMAC-SHA256 of the raw body, compared in constant time. */
public final class GitHubSignature {

    public static final String HEADER = "X-Hub-Signature-256";

    private GitHubSignature() {
    }

    public static String sign(byte[] body, String secret) {
        return "sha256=" + HexFormat.of().formatHex(Hmac.sha256(body, secret));
    }

    public static boolean verify(byte[] body, String header, String secret) {
        return header != null && !header.isBlank() && Hmac.same(sign(body, secret), header);
    }
}
