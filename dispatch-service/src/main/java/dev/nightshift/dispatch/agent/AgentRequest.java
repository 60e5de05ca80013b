package dev.nightshift.dispatch.agent;

import java.util.List;

/** What an adapter needs to build an agent's command line. */
public record AgentRequest(String prompt, String model, List<String> allowedTools, Integer maxTurns, Double maxCostUsd) {
}
