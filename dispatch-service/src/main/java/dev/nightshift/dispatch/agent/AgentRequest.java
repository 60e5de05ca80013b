package dev.nightshift.dispatch.agent;

import java.util.List;

/**
 * What an adapter needs to build an agent's command line.
 *
 * @param gatewayUrl where the agent reaches its model gateway door ({@code http://127.0.0.1:PORT}); null when it has none
 */
public record AgentRequest(String prompt, String model, List<String> allowedTools, Integer maxTurns, Double maxCostUsd, String gatewayUrl) {

    public AgentRequest(String prompt, String model, List<String> allowedTools, Integer maxTurns, Double maxCostUsd) {
        this(prompt, model, allowedTools, maxTurns, maxCostUsd, null);
    }
}
