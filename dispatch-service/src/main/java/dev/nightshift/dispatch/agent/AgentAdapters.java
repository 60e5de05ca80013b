package dev.nightshift.dispatch.agent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.nightshift.dispatch.DispatchProperties;
import org.springframework.stereotype.Component;

/** The agents this dispatcher knows, by name, each read with the adapter its settings name. */
@Component
public class AgentAdapters {

    private static final int MAX_RESULT_CHARS = 64 * 1024;

    private final Map<String, AgentAdapter> byName = new LinkedHashMap<>();

    public AgentAdapters(DispatchProperties properties) {
        properties.agents().forEach((name, agent) -> byName.put(name, switch (agent.kindOr(name)) {
            case "claude" -> new ClaudeCodeAdapter(name);
            case "codex" -> new CodexAdapter(name);
            case "command" -> new CommandAdapter(name, agent.args(), agent.prompt() == DispatchProperties.PromptVia.STDIN, MAX_RESULT_CHARS);
            default -> throw new IllegalArgumentException("nightshift.dispatch.agents." + name + ".kind must be claude, codex or command, not '"
                    + agent.kind() + "'");
        }));
    }

    public Optional<AgentAdapter> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
