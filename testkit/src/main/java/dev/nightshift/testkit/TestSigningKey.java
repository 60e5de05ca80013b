package dev.nightshift.testkit;

import java.util.Map;

import dev.nightshift.signing.SigningKeys;

/**
 * The signing key the tests' services share (never a real one), and a wrong one with the same id for attacks.
 * Child JVMs get it in their environment, never on their command line.
 */
public final class TestSigningKey {

    /** {@code nightshift.signing.key} of every service a test starts. */
    public static final String KEY = "test:" + "nightshift-test-signing-secret-0123456789";
    /** The same key id with another secret: what a record forged without the secret carries. */
    public static final String WRONG = "test:" + "not-the-services-secret-but-long-enough!";

    private TestSigningKey() {
    }

    /** The environment of a service started as its own process. */
    public static Map<String, String> environment() {
        return Map.of("NIGHTSHIFT_SIGNING_KEY", KEY);
    }

    /** Producer properties for records signed with a key. */
    public static Map<String, Object> producerProperties(String key) {
        return Map.of(SigningKeys.KEY, key);
    }
}
