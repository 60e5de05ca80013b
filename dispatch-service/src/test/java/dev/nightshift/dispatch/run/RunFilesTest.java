package dev.nightshift.dispatch.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.nightshift.dispatch.DispatchProperties;
import dev.nightshift.dispatch.sandbox.AgentProcess;
import dev.nightshift.dispatch.sandbox.Launch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/** The postlude run by a real shell after a real process, and its lines read back. */
@Timeout(60)
class RunFilesTest {

    @TempDir
    Path workspace;

    @Test
    void theFilesTheAgentWroteComeBackTextWithItsContentWithinTheCaps() throws Exception {
        Files.writeString(workspace.resolve("CLAUDE.md"), "from the template, before the agent");
        RunFiles files = new RunFiles(new DispatchProperties.Files(true, DataSize.ofBytes(100), DataSize.ofBytes(120), 10));
        List<String> agentLines = new CopyOnWriteArrayList<>();

        AgentProcess.Exit exit = AgentProcess.fromPath().run(new Launch(List.of("/bin/sh", "-c", """
                sleep 0.05
                echo '{"type":"result"}'
                printf 'Hello, reviewer.\\n' > draft.md
                mkdir -p notes && printf 'line one\\nline two' > 'notes/a file
                with a newline.txt'
                head -c 300 /dev/zero | tr '\\0' y > too-big.txt
                printf 'ok\\0binary' > data.bin
                head -c 100 /dev/zero | tr '\\0' z > over-total.txt
                exit 4
                """), Map.of("PATH", "/usr/bin:/bin"), workspace).withPostlude(files.postlude()),
                Duration.ofSeconds(20), Duration.ofSeconds(1), line -> {
                    if (!files.accept(line)) {
                        agentLines.add(line);
                    }
                });

        assertThat(exit.exitCode()).as("the agent's status, not the postlude's").isEqualTo(4);
        assertThat(agentLines).containsExactly("{\"type\":\"result\"}");
        assertThat(files.files()).extracting(f -> f.getName() + "|" + f.getSizeBytes())
                .containsExactlyInAnyOrder("draft.md|17", "notes/a file\nwith a newline.txt|17", "too-big.txt|300", "data.bin|9", "over-total.txt|100");
        // text within the caps comes with its content, exactly; too big or binary, by name only
        assertThat(files.files()).filteredOn(f -> f.getContent() != null).extracting(f -> f.getName() + "|" + f.getContent())
                .isSubsetOf("draft.md|Hello, reviewer.\n", "notes/a file\nwith a newline.txt|line one\nline two", "over-total.txt|" + "z".repeat(100))
                .isNotEmpty();
        // the three text files together (134 bytes) are over the total of 120: whichever comes last comes without
        long total = files.files().stream().filter(f -> f.getContent() != null).mapToLong(f -> f.getContent().length()).sum();
        assertThat(total).isLessThanOrEqualTo(120);
        assertThat(files.more()).isZero();
    }

    @Test
    void namesPastTheCapAreCountedNotListed() throws Exception {
        RunFiles files = new RunFiles(new DispatchProperties.Files(true, DataSize.ofBytes(10), DataSize.ofBytes(100), 2));
        AgentProcess.fromPath().run(new Launch(List.of("/bin/sh", "-c", "for i in 1 2 3 4 5; do echo $i > f$i; done"),
                Map.of("PATH", "/usr/bin:/bin"), workspace).withPostlude(files.postlude()), Duration.ofSeconds(20), Duration.ofSeconds(1), files::accept);

        assertThat(files.files()).hasSize(2);
        assertThat(files.more()).isEqualTo(3);
    }
}
