package dev.nightshift.dispatch.agent;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import dev.nightshift.dispatch.DispatchProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The whole environment one agent starts with: a few fixed variables, dispatch's {@code sandbox.pass-env}
 * (nothing secret, checked at start-up) and its own agent's credentials ({@code agents.NAME.pass-env},
 * by default its kind's), so a claude run never holds the OpenAI key and a codex run never the Anthropic one.
 */
@Component
public class AgentEnvironment {

    /** Names that usually hold a credential: these go to one agent through its own pass-env, not to all. */
    private static final Pattern SECRET_LOOKING = Pattern.compile(
            "KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|PRIVATE|SESSION", Pattern.CASE_INSENSITIVE);

    private final Map<String, String> source;
    private final List<String> shared;
    private final Map<String, List<String>> own = new LinkedHashMap<>();

    @Autowired
    public AgentEnvironment(DispatchProperties properties, AgentAdapters adapters) {
        this(properties, adapters, System.getenv());
    }

    /** @param source dispatch's own environment, where values are read from */
    public AgentEnvironment(DispatchProperties properties, AgentAdapters adapters, Map<String, String> source) {
        this.source = Map.copyOf(source);
        this.shared = List.copyOf(properties.sandbox().passEnv());
        if (!properties.sandbox().passSecretEnv()) {
            List<String> secret = shared.stream().filter(n -> SECRET_LOOKING.matcher(n).find()).toList();
            if (!secret.isEmpty()) {
                throw new IllegalArgumentException("nightshift.dispatch.sandbox.pass-env names " + secret + ", which look like credentials "
                        + "and would go to every agent: give each agent its own with nightshift.dispatch.agents.NAME.pass-env "
                        + "(claude and codex get their model keys by default), or set nightshift.dispatch.sandbox.pass-secret-env=true");
            }
        }
        properties.agents().forEach((name, agent) -> own.put(name, agent.passEnv() != null ? List.copyOf(agent.passEnv())
                : adapters.find(name).map(AgentAdapter::credentialEnv).orElse(List.of())));
    }

    /** What the agent named {@code agent} gets, with {@code home} as its home directory. */
    public Map<String, String> of(String agent, String home) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", home);
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        for (String name : shared) {
            copy(name, env);
        }
        for (String name : own.getOrDefault(agent, List.of())) {
            copy(name, env);
        }
        return env;
    }

    private void copy(String name, Map<String, String> env) {
        String value = source.get(name);
        if (value != null) {
            env.put(name, value);
        }
    }
}
