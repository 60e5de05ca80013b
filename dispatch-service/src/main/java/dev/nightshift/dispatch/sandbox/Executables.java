package dev.nightshift.dispatch.sandbox;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a program the way a shell would, so settings can name a binary or give its path. */
public final class Executables {

    private Executables() {
    }

    public static Optional<Path> find(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath).toAbsolutePath();
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, nameOrPath);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** For tools the dispatcher cannot work without: the message names what to install. */
    public static Path require(String name, String why) {
        return find(name).orElseThrow(() -> new IllegalStateException(
                "'" + name + "' not found on PATH; it is needed " + why));
    }
}
