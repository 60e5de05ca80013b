package dev.nightshift.dispatch.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.stream.Stream;

import org.slf4j.LoggerFactory;

/**
 * A run's fresh directory, seeded from the worker's working-directory template when it names one. Symbolic
 * links in a template are copied as links, never followed.
 */
public final class Workspace {

    private Workspace() {
    }

    public static Path create(Path root, String runId, Path template) throws IOException {
        Files.createDirectories(root);
        Path dir = root.resolve(runId.replaceAll("[^A-Za-z0-9._-]", "_"));
        // run ids repeat on redelivery: what an interrupted attempt left is not this run's starting point
        delete(dir);
        Files.createDirectory(dir);
        if (template != null) {
            copy(template, dir);
        }
        return dir;
    }

    /** Resolves a worker's workdir name under the templates root, refusing anything that escapes it. */
    public static Path template(Path templatesRoot, String workdir) {
        if (workdir == null || workdir.isBlank()) {
            return null;
        }
        if (templatesRoot == null) {
            throw new IllegalArgumentException("the worker names workdir '" + workdir
                    + "' but nightshift.dispatch.workdirs-root is not set");
        }
        Path root = templatesRoot.toAbsolutePath().normalize();
        Path t = root.resolve(workdir).normalize();
        if (!t.startsWith(root) || t.equals(root)) {
            throw new IllegalArgumentException("workdir '" + workdir + "' is not a directory name under " + root);
        }
        if (!Files.isDirectory(t, LinkOption.NOFOLLOW_LINKS)) {
            // a link would take the copy (made as root) to wherever it points
            throw new IllegalArgumentException(Files.isSymbolicLink(t) ? "workdir '" + workdir + "' under " + root
                    + " is a symbolic link; a template must be a directory" : "workdir '" + workdir + "' does not exist under " + root);
        }
        try {
            if (!t.toRealPath().startsWith(root.toRealPath())) {
                throw new IllegalArgumentException("workdir '" + workdir + "' leads out of " + root + " through a symbolic link");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("workdir '" + workdir + "': " + e.getMessage(), e);
        }
        return t;
    }

    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** For clean-up after a run: a workspace that cannot be deleted is logged, not fatal. */
    public static void deleteQuietly(Path dir) {
        try {
            delete(dir);
        } catch (IOException e) {
            LoggerFactory.getLogger(Workspace.class).warn("workspace {} not deleted: {}", dir, e.getMessage());
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                // a link is copied as the link, never as what it points to (the copy runs as root: /etc/shadow)
                Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
