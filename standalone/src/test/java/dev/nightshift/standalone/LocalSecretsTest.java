package dev.nightshift.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import dev.nightshift.embedded.RegistryProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone's secrets file, and the registry child's environment, without starting anything. */
class LocalSecretsTest {

    @TempDir
    Path data;

    @Test
    void generatedOnceKeptOwnerOnlyAndReused() throws Exception {
        Path file = data.resolve("secrets.properties");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, String> first = LocalSecrets.resolve(file, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(first).containsOnlyKeys("nightshift.ingest.todoist.client-secret", "nightshift.signing.key",
                "nightshift.management.token", "nightshift.ingest.api.token");
        assertThat(first.get("nightshift.signing.key")).matches("local:[A-Za-z0-9_-]{43}");
        assertThat(first.values()).doesNotHaveDuplicates();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        first.values().forEach(v -> assertThat(out.toString(StandardCharsets.UTF_8)).contains(v));

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertThat(LocalSecrets.resolve(file, Map.of(), new PrintStream(again, true, StandardCharsets.UTF_8))).isEqualTo(first);
        assertThat(again.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void theEnvironmentWinsAndWhatItGivesIsNotWritten() throws Exception {
        Path file = data.resolve("secrets.properties");
        Map<String, String> settings = LocalSecrets.resolve(file, Map.of("TODOIST_CLIENT_SECRET", "todoist-app-secret-9f2"), System.out);
        assertThat(settings.get("nightshift.ingest.todoist.client-secret")).isEqualTo("todoist-app-secret-9f2");
        assertThat(Files.readString(file)).doesNotContain("TODOIST_CLIENT_SECRET").contains("NIGHTSHIFT_MANAGEMENT_TOKEN=");
    }

    @Test
    void placeholdersStopItNamingTheVariable() throws Exception {
        Path file = data.resolve("secrets.properties");
        assertThatThrownBy(() -> LocalSecrets.resolve(file, Map.of("TODOIST_CLIENT_SECRET", "local-dev-secret"), System.out))
                .hasMessageStartingWith("TODOIST_CLIENT_SECRET (from the environment) is a well-known placeholder");
        assertThat(file).doesNotExist();
        Files.writeString(file, "NIGHTSHIFT_MANAGEMENT_TOKEN=change-me\n");
        assertThatThrownBy(() -> LocalSecrets.resolve(file, Map.of(), System.out))
                .hasMessageStartingWith("NIGHTSHIFT_MANAGEMENT_TOKEN (from " + file + ") is a well-known placeholder");
    }

    @Test
    void aFileOthersCanReadIsMadeOwnerOnly() throws Exception {
        Path file = Files.writeString(data.resolve("secrets.properties"), "NIGHTSHIFT_API_TOKEN=kept-api-token-31c7\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, String> settings = LocalSecrets.resolve(file, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(settings.get("nightshift.ingest.api.token")).isEqualTo("kept-api-token-31c7");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("was readable by others: made 0600");
    }

    @Test
    void theRegistryChildInheritsNoSecret() {
        Map<String, String> env = RegistryProcess.environment(Map.of("PATH", "/usr/bin", "HOME", "/root", "LANG", "C.UTF-8",
                "ANTHROPIC_API_KEY", "sk-ant-canary", "TODOIST_CLIENT_SECRET", "s", "NIGHTSHIFT_MANAGEMENT_TOKEN", "t", "GITHUB_TOKEN", "g"));
        assertThat(env).containsOnlyKeys("PATH", "HOME", "LANG");
    }
}
