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
 * and its own agent's {@code agents.NAME.pass-env}, both checked at start-up to hold nothing secret-looking
 * unless {@code sandbox.pass-secret-env} allows it. Model keys are never among them: the model gateway
 * holds those, and the agent gets its door's address and run token ({@link AgentAdapter#gatewayEnvironment}).
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
    public AgentEnvironment(DispatchProperties properties) {
        this(properties, System.getenv());
    }

    /** @param source dispatch's own environment, where values are read from */
    public AgentEnvironment(DispatchProperties properties, Map<String, String> source) {
        this.source = Map.copyOf(source);
        this.shared = List.copyOf(properties.sandbox().passEnv());
        boolean allowSecrets = properties.sandbox().passSecretEnv();
        refuseSecrets("nightshift.dispatch.sandbox.pass-env", shared, allowSecrets);
        properties.agents().forEach((name, agent) -> {
            own.put(name, List.copyOf(agent.passEnv()));
            refuseSecrets("nightshift.dispatch.agents." + name + ".pass-env", own.get(name), allowSecrets);
        });
    }

    /** Whatever a sandbox holds, the agent and anything it was talked into running can send anywhere it reaches. */
    private static void refuseSecrets(String setting, List<String> names, boolean allowed) {
        List<String> secret = names.stream().filter(n -> SECRET_LOOKING.matcher(n).find()).toList();
        if (!secret.isEmpty() && !allowed) {
            throw new IllegalArgumentException(setting + " names " + secret + ", which look like credentials: an agent holds "
                    + "no credential (the model gateway adds the model keys: set them in dispatch's environment), or set "
                    + "nightshift.dispatch.sandbox.pass-secret-env=true to hand them to agents all the same");
        }
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
