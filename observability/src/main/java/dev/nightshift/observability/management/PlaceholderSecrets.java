package dev.nightshift.observability.management;

import java.util.Locale;
import java.util.Set;

/**
 * Secrets everyone knows: the values examples, overlays and earlier versions shipped (`change-me`,
 * `local-dev-secret`) and their like. A service given one stops at start-up, naming the setting, since a
 * webhook secret or a token anyone can read is no secret.
 */
public final class PlaceholderSecrets {

    /** Compared lower-cased with everything but letters and digits removed: "Change_Me" is "changeme". */
    private static final Set<String> KNOWN = Set.of(
            "changeme", "changeit", "replaceme", "localdevsecret", "devsecret", "testsecret", "secret", "mysecret",
            "yoursecret", "supersecret", "password", "passw0rd", "token", "mytoken", "yourtoken", "todo", "xxx", "xxxx",
            "example", "placeholder", "default", "notasecret", "insecure", "12345678", "123456");

    private PlaceholderSecrets() {
    }

    public static boolean isPlaceholder(String value) {
        return value != null && KNOWN.contains(value.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", ""));
    }

    /**
     * @param setting  the setting's name, as the operator would set it
     * @param variable its environment variable
     * @throws IllegalArgumentException naming both, when the value is a known placeholder (null and blank pass: unset)
     */
    public static void refuse(String setting, String variable, String value) {
        if (isPlaceholder(value)) {
            throw new IllegalArgumentException(setting + " (" + variable + ") is a well-known placeholder, not a secret: "
                    + "set it to a random value (e.g. openssl rand -base64 32)");
        }
    }
}
