package dev.nightshift.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import dev.nightshift.observability.management.PlaceholderSecrets;

/**
 * The standalone's secrets: each from the environment if set there, else from {@code <data>/secrets.properties},
 * else generated (32 random bytes) on first run, appended to that file (created 0600 before anything is written
 * to it) and printed once with where it goes. Later runs reuse them. A well-known placeholder stops start-up.
 */
final class LocalSecrets {

    /** What the standalone generates, the setting each is passed to the services as, and where it goes. */
    enum Secret {
        TODOIST_CLIENT_SECRET("nightshift.ingest.todoist.client-secret", "",
                "verifies Todoist's webhooks; ./nightshift try signs with it. For Todoist's real webhooks set it to your app's "
                        + "client secret from Todoist's app console (https://developer.todoist.com/appconsole.html), in the "
                        + "environment or in place of this one in %s"),
        NIGHTSHIFT_SIGNING_KEY("nightshift.signing.key", "local:",
                "signs the records between ingest, dispatch and report (all three run here: nothing to paste); services "
                        + "run elsewhere on this broker need the same NIGHTSHIFT_SIGNING_KEY"),
        NIGHTSHIFT_MANAGEMENT_TOKEN("nightshift.management.token", "",
                "the operator's bearer token for the management endpoints (all but health and prometheus), e.g. to replay "
                        + "what a sink parked: curl -X POST -H 'Authorization: Bearer <token>' http://127.0.0.1:<report's port>/actuator/deadletters/<sink>"),
        NIGHTSHIFT_API_TOKEN("nightshift.ingest.api.token", "",
                "the task API's bearer token: scripts send it as Authorization: Bearer to POST /api/tasks");

        final String setting;
        private final String prefix;
        private final String where;

        Secret(String setting, String prefix, String where) {
            this.setting = setting;
            this.prefix = prefix;
            this.where = where;
        }
    }

    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalSecrets() {
    }

    /**
     * @return each secret's setting and value, for the services
     * @throws IllegalArgumentException naming the variable, for a well-known placeholder
     */
    static Map<String, String> resolve(Path file, Map<String, String> environment, PrintStream out) throws IOException {
        Properties kept = new Properties();
        if (Files.exists(file)) {
            if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                out.println(file + " was readable by others: made 0600 (its secrets may have been read; replace them if so).");
            }
            try (Reader r = Files.newBufferedReader(file)) {
                kept.load(r);
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        List<Secret> created = new ArrayList<>();
        Map<Secret, String> generated = new LinkedHashMap<>();
        for (Secret secret : Secret.values()) {
            String fromEnvironment = environment.get(secret.name());
            String fromFile = kept.getProperty(secret.name());
            String value;
            if (fromEnvironment != null && !fromEnvironment.isBlank()) {
                refusePlaceholder(secret, fromEnvironment, "the environment");
                value = fromEnvironment;
            } else if (fromFile != null && !fromFile.isBlank()) {
                refusePlaceholder(secret, fromFile, file.toString());
                value = fromFile.strip();
            } else {
                value = secret.prefix + random();
                created.add(secret);
                generated.put(secret, value);
            }
            settings.put(secret.setting, value);
        }
        if (!generated.isEmpty()) {
            append(file, generated);
            for (Secret secret : created) {
                out.println("Generated " + secret.name() + " (kept in " + file + ", shown this once): " + generated.get(secret));
                out.println("  " + secret.where.formatted(file));
            }
        }
        return settings;
    }

    private static void refusePlaceholder(Secret secret, String value, String source) {
        if (PlaceholderSecrets.isPlaceholder(value)) {
            throw new IllegalArgumentException(secret.name() + " (from " + source + ") is a well-known placeholder, not a secret: "
                    + "remove it and the standalone generates one in its data directory, or set a random value");
        }
    }

    /** Created owner-only before its first byte; appended to afterwards, so an operator's edits stay. */
    private static void append(Path file, Map<Secret, String> generated) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(file, "# Nightshift standalone's secrets; the environment wins over this file. Keep it 0600.\n");
        }
        StringBuilder lines = new StringBuilder();
        generated.forEach((secret, value) -> lines.append(secret.name()).append('=').append(value).append('\n'));
        Files.writeString(file, lines, StandardOpenOption.APPEND);
    }

    /** 32 random bytes, base64url without padding: 43 characters. */
    static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
