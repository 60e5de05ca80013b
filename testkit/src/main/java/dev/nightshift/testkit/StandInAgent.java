package dev.nightshift.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The stand-in for Claude Code ({@code agents/claude} on the class path, testkit's), installed in a fresh directory the
 * sandboxed agent can reach: it runs as an unprivileged uid, so the directory and the script are world-readable.
 *
 * @param dir   the fresh directory (workspaces and logs go here too)
 * @param agent the script, to configure as the claude adapter's binary
 */
public record StandInAgent(Path dir, Path agent) {

    public static StandInAgent install(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), prefix,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path agents = Files.createDirectory(dir.resolve("agents"));
        Path agent = agents.resolve("claude");
        try (InputStream script = StandInAgent.class.getResourceAsStream("/agents/claude")) {
            Files.copy(script, agent, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.setPosixFilePermissions(agent, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new StandInAgent(dir, agent);
    }
}
