package dev.nightshift.events;

import java.util.List;
import java.util.Optional;

/**
 * How to read {@link Outputs}: the {@code sinks} list, or for an event written before it existed, its
 * {@code todoist} field. Writers fill both (see {@link #of}), so readers of either age find their sinks.
 */
public final class OutputSinks {

    private OutputSinks() {
    }

    /** Outputs for these sinks, readable by this version and by readers that know only {@code todoist}. */
    public static Outputs of(List<?> sinks) {
        TodoistOutput todoist = sinks.stream().filter(TodoistOutput.class::isInstance).map(TodoistOutput.class::cast)
                .findFirst().orElse(null);
        return Outputs.newBuilder().setSinks(List.copyOf(sinks)).setTodoist(todoist).build();
    }

    public static List<Object> all(Outputs outputs) {
        if (outputs == null) {
            return List.of();
        }
        if (outputs.getSinks() != null && !outputs.getSinks().isEmpty()) {
            return outputs.getSinks();
        }
        return outputs.getTodoist() == null ? List.of() : List.of(outputs.getTodoist());
    }

    public static <T> Optional<T> find(Outputs outputs, Class<T> kind) {
        return all(outputs).stream().filter(kind::isInstance).map(kind::cast).findFirst();
    }
}
