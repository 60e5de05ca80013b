package dev.nightshift.dispatch.gateway;

import java.net.URI;
import java.util.Map;
import java.util.Set;

import dev.nightshift.dispatch.agent.ModelApi;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model provider the gateway forwards to: where it is, which of its paths an agent may call (only the
 * generation APIs, never files, batches or an organisation's admin API), how a credential is sent, and how
 * its errors look, so an agent's CLI reads the gateway's refusals as its provider's.
 */
public enum Provider {

    ANTHROPIC("anthropic", URI.create("https://api.anthropic.com"), Set.of("/v1/messages"),
            Set.of("/v1/messages", "/v1/messages/count_tokens", "/v1/models")),
    OPENAI("openai", URI.create("https://api.openai.com"), Set.of("/v1/responses", "/v1/chat/completions"),
            Set.of("/v1/responses", "/v1/chat/completions", "/v1/models"));

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String id;
    private final URI defaultBaseUrl;
    private final Set<String> metered;
    private final Set<String> allowed;

    Provider(String id, URI defaultBaseUrl, Set<String> metered, Set<String> allowed) {
        this.id = id;
        this.defaultBaseUrl = defaultBaseUrl;
        this.metered = metered;
        this.allowed = allowed;
    }

    /** The provider behind the API an agent calls. */
    public static Provider of(ModelApi api) {
        return switch (api) {
            case ANTHROPIC -> ANTHROPIC;
            case OPENAI -> OPENAI;
        };
    }

    /** Its name in settings, metrics and logs. */
    public String id() {
        return id;
    }

    public URI defaultBaseUrl() {
        return defaultBaseUrl;
    }

    /** A path an agent may call (the query string aside): the generation APIs, token counting, the model list. */
    public boolean allows(String path) {
        return allowed.contains(path);
    }

    /** A path whose answers cost money and say how much: each must carry usage, or the run is stopped. */
    public boolean metered(String path) {
        return metered.contains(path);
    }

    /** The headers that carry the credential upstream, as the provider expects them for its kind. */
    Map.Entry<String, String> credentialHeader(Credential credential) {
        return switch (this) {
            case ANTHROPIC -> switch (credential) {
                case Credential.ApiKey k -> Map.entry("x-api-key", k.value());
                // a subscription's token (claude setup-token) is a bearer token, with the OAuth beta (betaFor)
                case Credential.OAuthToken t -> Map.entry("authorization", "Bearer " + t.value());
            };
            case OPENAI -> Map.entry("authorization", "Bearer " + credential.value());
        };
    }

    /** Betas the credential needs, added to the request's own {@code anthropic-beta}. */
    String betaFor(Credential credential) {
        return this == ANTHROPIC && credential instanceof Credential.OAuthToken ? "oauth-2025-04-20" : null;
    }

    /** What answers a refused request: the status and the provider's own error body. */
    Refusal refusal(Refusal.Kind kind, String message) {
        int status = switch (kind) {
            case UNAUTHENTICATED -> 401;
            // not 401, which both CLIs retry for minutes: this answer will not change until dispatch is reconfigured
            case NO_CREDENTIAL -> this == ANTHROPIC ? 403 : 400;
            case NOT_ALLOWED -> 403;
            case TOO_LARGE -> 413;
            // the status each CLI takes as final: retrying cannot make the budget larger
            case OVER_BUDGET -> this == ANTHROPIC ? 402 : 429;
            case UPSTREAM -> 502;
            case UPSTREAM_TIMEOUT -> 504;
        };
        ObjectNode body = JSON.createObjectNode();
        switch (this) {
            case ANTHROPIC -> {
                body.put("type", "error");
                body.putObject("error").put("type", switch (kind) {
                    case UNAUTHENTICATED -> "authentication_error";
                    case NO_CREDENTIAL -> "permission_error";
                    case NOT_ALLOWED -> "permission_error";
                    case TOO_LARGE -> "request_too_large";
                    case OVER_BUDGET -> "billing_error";
                    case UPSTREAM, UPSTREAM_TIMEOUT -> "api_error";
                }).put("message", message);
            }
            case OPENAI -> body.putObject("error").put("message", message).put("type", switch (kind) {
                case UNAUTHENTICATED, NO_CREDENTIAL, NOT_ALLOWED, TOO_LARGE -> "invalid_request_error";
                case OVER_BUDGET -> "insufficient_quota";
                case UPSTREAM, UPSTREAM_TIMEOUT -> "server_error";
            }).put("code", kind == Refusal.Kind.OVER_BUDGET ? "insufficient_quota" : null);
        }
        return new Refusal(kind, status, JSON.writeValueAsString(body));
    }

    /** A reader of one answer's usage, streamed or not. */
    UsageReader usageReader(boolean streamed) {
        return new UsageReader(this, streamed);
    }

    /** A refused request's status and body. */
    record Refusal(Kind kind, int status, String body) {

        enum Kind { UNAUTHENTICATED, NO_CREDENTIAL, NOT_ALLOWED, TOO_LARGE, OVER_BUDGET, UPSTREAM, UPSTREAM_TIMEOUT }
    }
}
