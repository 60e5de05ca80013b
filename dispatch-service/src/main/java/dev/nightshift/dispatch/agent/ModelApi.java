package dev.nightshift.dispatch.agent;

/**
 * The model API an agent's CLI calls. The model gateway fronts it ({@code gateway.Provider.of}), so the agent
 * holds no key; the gateway knows agents' words, agents know nothing of the gateway.
 */
public enum ModelApi {
    ANTHROPIC,
    OPENAI
}
