package dev.nightshift.ingest.todoist;

import java.util.Base64;

import dev.nightshift.ingest.webhook.Hmac;

/** {@code X-Todoist-Hmac-SHA256}: base64(HMAC-SHA256(raw body, client secret)), compared in constant time. */
public final class TodoistSignature {

    public static final String HEADER = "X-Todoist-Hmac-SHA256";

    private TodoistSignature() {
    }

    public static String sign(byte[] body, String secret) {
        return Base64.getEncoder().encodeToString(Hmac.sha256(body, secret));
    }

    public static boolean verify(byte[] body, String header, String secret) {
        return header != null && !header.isBlank() && Hmac.same(sign(body, secret), header);
    }
}
