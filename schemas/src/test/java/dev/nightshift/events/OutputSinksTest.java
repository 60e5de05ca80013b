package dev.nightshift.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class OutputSinksTest {

    private final TodoistOutput todoist = TodoistOutput.newBuilder().setDoneLabel("agent-done").build();
    private final GitHubOutput github = GitHubOutput.newBuilder().setDoneLabel("agent-done").build();

    @Test
    void writersFillTheListAndTheTodoistFieldOlderReadersKnow() {
        Outputs outputs = OutputSinks.of(List.of(github, todoist));

        assertEquals(List.of(github, todoist), outputs.getSinks());
        assertEquals(todoist, outputs.getTodoist());
        assertNull(OutputSinks.of(List.of(github)).getTodoist());
    }

    @Test
    void anEventWrittenBeforeTheListIsReadFromItsTodoistField() {
        Outputs older = Outputs.newBuilder().setSinks(List.of()).setTodoist(todoist).build();

        assertEquals(List.of(todoist), OutputSinks.all(older));
        assertEquals(Optional.of(todoist), OutputSinks.find(older, TodoistOutput.class));
        assertTrue(OutputSinks.find(older, GitHubOutput.class).isEmpty());
    }
}
