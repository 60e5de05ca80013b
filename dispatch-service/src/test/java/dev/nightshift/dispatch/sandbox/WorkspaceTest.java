package dev.nightshift.dispatch.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
