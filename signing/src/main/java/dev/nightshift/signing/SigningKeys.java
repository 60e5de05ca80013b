package dev.nightshift.signing;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key a service signs with and the keys it accepts (its own and, while keys rotate, the previous or
 * the next one). Built from the settings {@link #KEY} and {@link #ACCEPTED_KEYS}, which are also the names
 * under which the serdes find them in the Kafka client properties.
 */
public final class SigningKeys {

    public static final String KEY = "nightshift.signing.key";
    public static final String ACCEPTED_KEYS = "nightshift.signing.accepted-keys";
    static final String KEY_SETTING = KEY + " (NIGHTSHIFT_SIGNING_KEY)";
    static final String ACCEPTED_SETTING = ACCEPTED_KEYS + " (NIGHTSHIFT_SIGNING_ACCEPTED_KEYS)";

    private final SigningKey signing;
    private final Map<String, SigningKey> accepted;

    private SigningKeys(SigningKey signing, Map<String, SigningKey> accepted) {
        this.signing = signing;
        this.accepted = accepted;
    }

    /**
     * @param key          {@code <id>:<secret>}
     * @param acceptedKeys comma-separated {@code <id>:<secret>}, may be empty
     * @throws IllegalArgumentException naming the setting at fault
     */
    public static SigningKeys of(String key, String acceptedKeys) {
        SigningKey signing = SigningKey.parse(key, KEY_SETTING);
        Map<String, SigningKey> accepted = new LinkedHashMap<>();
        accepted.put(signing.id(), signing);
        if (acceptedKeys != null) {
            for (String entry : acceptedKeys.split(",")) {
                if (entry.isBlank()) {
                    continue;
                }
                SigningKey k = SigningKey.parse(entry, ACCEPTED_SETTING);
                SigningKey same = accepted.putIfAbsent(k.id(), k);
                if (same != null && !Arrays.equals(same.secret(), k.secret())) {
                    throw new IllegalArgumentException(ACCEPTED_SETTING + " names key id " + k.id() + " twice with different secrets");
                }
            }
        }
        return new SigningKeys(signing, Map.copyOf(accepted));
    }

    /** From Kafka client properties (the serdes' {@code configure}); values may be any object's string form. */
    static SigningKeys of(Map<String, ?> configs) {
        Object key = configs.get(KEY);
        Object accepted = configs.get(ACCEPTED_KEYS);
        return of(key == null ? null : key.toString(), accepted == null ? null : accepted.toString());
    }

    public SigningKey signing() {
        return signing;
    }

    public Optional<SigningKey> accepted(String id) {
        return Optional.ofNullable(accepted.get(id));
    }

    @Override
    public String toString() {
        return "SigningKeys[signing " + signing.id() + ", accepting " + accepted.keySet() + "]";
    }
}
