package dev.nightshift.signing;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One HMAC key, written {@code <key id>:<secret>}. The id travels in each record's headers (so a verifier
 * knows which of its accepted keys to use, and keys can rotate); the secret never leaves the service.
 */
public record SigningKey(String id, byte[] secret) {

    /** A secret shorter than this is refused: HMAC-SHA256 wants at least 256 bits of key. */
    public static final int MIN_SECRET_CHARS = 32;
    /** Secrets that ship in examples and must never sign anything. */
    private static final Set<String> PLACEHOLDERS = Set.of("change-me", "local-dev-secret");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * @param setting named in the error, e.g. {@code nightshift.signing.key (NIGHTSHIFT_SIGNING_KEY)}
     * @throws IllegalArgumentException saying what is wrong, never echoing the secret
     */
    public static SigningKey parse(String value, String setting) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " is not set: every service signs and verifies records with it;"
                    + " set it to <key id>:<secret> (at least " + MIN_SECRET_CHARS + " characters of secret), the same in all three services");
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(setting + " must be <key id>:<secret>, and has no ':'");
        }
        String id = value.substring(0, colon).strip();
        String secret = value.substring(colon + 1).strip();
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(setting + ": the key id must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (PLACEHOLDERS.stream().anyMatch(p -> secret.toLowerCase().contains(p))) {
            throw new IllegalArgumentException(setting + " (key id " + id + ") holds a well-known placeholder secret: generate one"
                    + " (e.g. openssl rand -base64 48)");
        }
        if (secret.length() < MIN_SECRET_CHARS) {
            throw new IllegalArgumentException(setting + " (key id " + id + "): the secret has " + secret.length()
                    + " characters, at least " + MIN_SECRET_CHARS + " are needed");
        }
        return new SigningKey(id, secret.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "SigningKey[" + id + "]";
    }
}
