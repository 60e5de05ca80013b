package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspaceTest {

    @TempDir
    Path root;

    @Test
    void seedsAFreshDirectoryFromTheTemplate() throws Exception {
        Path templates = Files.createDirectories(root.resolve("templates/writer/skills"));
        Files.writeString(templates.getParent().resolve("CLAUDE.md"), "instructions");
        Files.writeString(templates.resolve("style.md"), "style");

        Path workspace = Workspace.create(root.resolve("workspaces"), "run/1", Workspace.template(root.resolve("templates"), "writer"));

        assertThat(workspace.getFileName().toString()).isEqualTo("run_1");
        assertThat(workspace.resolve("CLAUDE.md")).hasContent("instructions");
        assertThat(workspace.resolve("skills/style.md")).hasContent("style");
    }

    @Test
    void replacesWhatAnInterruptedRunOfTheSameIdLeft() throws Exception {
        Path first = Workspace.create(root, "run-1", null);
        Files.writeString(first.resolve("half-done.md"), "x");

        Path again = Workspace.create(root, "run-1", null);

        assertThat(again).isEqualTo(first).isEmptyDirectory();
    }

    @Test
    void refusesTemplatesOutsideTheRoot() throws Exception {
        Path templates = Files.createDirectories(root.resolve("templates"));
        Files.createDirectories(root.resolve("secrets"));
        assertThatThrownBy(() -> Workspace.template(templates, "../secrets")).hasMessageContaining("not a directory name under");
        assertThatThrownBy(() -> Workspace.template(templates, "missing")).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> Workspace.template(null, "writer")).hasMessageContaining("nightshift.dispatch.workdirs-root");
        assertThat(Workspace.template(null, null)).isNull();
    }

    @Test
    void aLinkInATemplateIsCopiedAsTheLinkNeverAsWhatItPointsTo() throws Exception {
        Path secret = Files.writeString(root.resolve("service-secret.txt"), "s3cret");
        Path hostDir = Files.createDirectories(root.resolve("host-dir"));
        Files.writeString(hostDir.resolve("inside.txt"), "s3cret too");
        Path template = Files.createDirectories(root.resolve("templates/writer"));
        Files.createSymbolicLink(template.resolve("shadow"), Path.of("/etc/shadow"));
        Files.createSymbolicLink(template.resolve("secret"), secret);
        Files.createSymbolicLink(template.resolve("relative"), Path.of("../../service-secret.txt"));
        Files.createSymbolicLink(template.resolve("dir"), hostDir);

        Path workspace = Workspace.create(root.resolve("workspaces"), "run-1", Workspace.template(root.resolve("templates"), "writer"));

        for (String name : List.of("shadow", "secret", "relative", "dir")) {
            assertThat(Files.isSymbolicLink(workspace.resolve(name))).as(name).isTrue();
            assertThat(Files.readSymbolicLink(workspace.resolve(name))).isEqualTo(Files.readSymbolicLink(template.resolve(name)));
        }
        try (Stream<Path> copied = Files.walk(workspace)) {
            assertThat(copied.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))).as("no content was copied").isEmpty();
        }
    }

    @Test
    void aWorkdirThatIsOrPassesThroughALinkIsRefused() throws Exception {
        Path templates = Files.createDirectories(root.resolve("templates"));
        Path outside = Files.createDirectories(root.resolve("outside/inner"));
        Files.createSymbolicLink(templates.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(templates.resolve("via"), outside.getParent());

        assertThatThrownBy(() -> Workspace.template(templates, "etc")).hasMessageContaining("is a symbolic link");
        assertThatThrownBy(() -> Workspace.template(templates, "via/inner")).hasMessageContaining("leads out of");
    }
}
