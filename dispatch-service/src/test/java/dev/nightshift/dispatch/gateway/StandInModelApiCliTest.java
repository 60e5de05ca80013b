package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real CLIs (claude 2.1.197, codex 0.169.0, where installed; required where {@code NIGHTSHIFT_REQUIRE_<NAME>_CLI=1})
 * against the stand-ins directly, with no gateway between: they accept the stand-ins' wire formats, and a refusal in the
 * provider's own format stops them at once. Pins what the gateway's refusals rely on, so that a CLI upgrade that changes
 * it fails here. The CLIs reach only 127.0.0.1: claude with its non-essential traffic off, codex with its analytics and
 * plugins off (without those, codex 0.169 looks up ab.chatgpt.com, chatgpt.com and api.github.com).
 */
@Timeout(120)
class StandInModelApiCliTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration WALL_TIME = Duration.ofSeconds(60);
    private static final String TOKEN = "run-token-1";
    private static final String SPENT = "Nightshift: this run has spent its budget of $0.50";

    @TempDir
    Path home;

    private record Run(int exit, List<JsonNode> lines) {

        Optional<JsonNode> last(String type) {
            return lines.reversed().stream().filter(line -> line.path("type").asString().equals(type)).findFirst();
        }
    }

    @Test
    void claudeAnswersThroughTheAnthropicStandInWithTheUsageItReports() throws Exception {
        Path claude = cli("claude");
        try (StandInModelApi api = StandInModelApi.anthropic(TOKEN)) {
            api.usage(100, 20, 30, 40);
            api.answer("Hello from the stand-in.");

            Run run = claude(claude, api);

            assertThat(run.exit()).isZero();
            JsonNode result = run.last("result").orElseThrow();
            assertThat(result.path("subtype").asString()).isEqualTo("success");
            assertThat(result.path("is_error").booleanValue()).isFalse();
            assertThat(result.path("result").asString()).isEqualTo("Hello from the stand-in.");
            JsonNode usage = result.path("usage");
            assertThat(List.of(usage.path("input_tokens").asLong(), usage.path("output_tokens").asLong(),
                    usage.path("cache_creation_input_tokens").asLong(), usage.path("cache_read_input_tokens").asLong()))
                    .containsExactly(100L, 20L, 30L, 40L);
            assertThat(result.path("total_cost_usd").asDouble()).isPositive();
            List<StandInModelApi.Recorded> calls = modelCalls(api);
            assertThat(calls).isNotEmpty().allSatisfy(call -> {
                assertThat(call.path()).isEqualTo("/v1/messages?beta=true");
                assertThat(call.header("authorization")).hasValue("Bearer " + TOKEN);
                assertThat(call.header("x-api-key")).isEmpty();
                assertThat(call.header("anthropic-version")).hasValue("2023-06-01");
                assertThat(JSON.readTree(call.body()).path("stream").booleanValue()).isTrue();
            });
        }
    }

    @Test
    void claudeStopsAtTheFirst402BillingErrorAndSaysWhy() throws Exception {
        Path claude = cli("claude");
        try (StandInModelApi api = StandInModelApi.anthropic(TOKEN)) {
            api.refuse(402, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"" + SPENT + "\"}}");

            Run run = claude(claude, api);

            assertThat(run.exit()).isEqualTo(1);
            JsonNode result = run.last("result").orElseThrow();
            assertThat(result.path("is_error").booleanValue()).isTrue();
            assertThat(result.path("api_error_status").asInt()).isEqualTo(402);
            assertThat(result.path("result").asString()).isEqualTo("API Error: 402 " + SPENT);
            assertThat(modelCalls(api)).as("no retry").hasSize(1);
        }
    }

    @Test
    void codexAnswersThroughTheOpenaiStandInWithTheUsageItReports() throws Exception {
        Path codex = cli("codex");
        try (StandInModelApi api = StandInModelApi.openai(TOKEN)) {
            api.usage(100, 20, 0, 40);
            api.answer("Hello from the stand-in.");

            Run run = codex(codex, api, "");

            assertThat(run.exit()).isZero();
            assertThat(run.lines().getFirst().path("type").asString()).isEqualTo("thread.started");
            JsonNode message = run.last("item.completed").orElseThrow().path("item");
            assertThat(message.path("type").asString()).isEqualTo("agent_message");
            assertThat(message.path("text").asString()).isEqualTo("Hello from the stand-in.");
            JsonNode usage = run.last("turn.completed").orElseThrow().path("usage");
            assertThat(List.of(usage.path("input_tokens").asLong(), usage.path("cached_input_tokens").asLong(),
                    usage.path("output_tokens").asLong())).containsExactly(100L, 40L, 20L);
            List<StandInModelApi.Recorded> calls = modelCalls(api);
            assertThat(calls).hasSize(1).allSatisfy(call -> {
                assertThat(call.path()).isEqualTo("/v1/responses");
                assertThat(call.header("authorization")).hasValue("Bearer " + TOKEN);
                assertThat(call.header("accept")).hasValue("text/event-stream");
                assertThat(JSON.readTree(call.body()).path("stream").booleanValue()).isTrue();
            });
        }
    }

    @Test
    void codexStopsAtTheFirst429InsufficientQuotaInItsOwnWords() throws Exception {
        Path codex = cli("codex");
        try (StandInModelApi api = StandInModelApi.openai(TOKEN)) {
            api.refuse(429, "{\"error\":{\"message\":\"" + SPENT + "\",\"type\":\"insufficient_quota\",\"param\":null,"
                    + "\"code\":\"insufficient_quota\"}}");

            Run run = codex(codex, api, "");

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.last("turn.failed").orElseThrow().path("error").path("message").asString())
                    .as("codex replaces the provider's message with its own").isEqualTo("Quota exceeded. Check your plan and billing details.");
            assertThat(modelCalls(api)).as("no retry").hasSize(1);
        }
    }

    @Test
    void codexStopsAtTheFirst402OnlyWhenItsProviderHasNoRequestRetries() throws Exception {
        Path codex = cli("codex");
        try (StandInModelApi api = StandInModelApi.openai(TOKEN)) {
            api.refuse(402, "{\"error\":{\"message\":\"" + SPENT + "\",\"type\":\"insufficient_quota\",\"param\":null,"
                    + "\"code\":\"insufficient_quota\"}}");

            Run run = codex(codex, api, ",request_max_retries=0,stream_max_retries=0");

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.last("turn.failed").orElseThrow().path("error").path("message").asString())
                    .startsWith("unexpected status 402 Payment Required: " + SPENT);
            assertThat(modelCalls(api)).as("no retry").hasSize(1);
        }
    }

    private Run claude(Path claude, StandInModelApi api) throws Exception {
        return run(List.of(claude.toString(), "-p", "--output-format", "stream-json", "--verbose", "--max-turns", "3",
                "--", "say hi"), Map.of(
                "ANTHROPIC_BASE_URL", api.baseUri().toString(),
                "ANTHROPIC_AUTH_TOKEN", TOKEN,
                "ANTHROPIC_API_KEY", "",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"));
    }

    private Run codex(Path codex, StandInModelApi api, String providerExtra) throws Exception {
        Path codexHome = Files.createDirectories(home.resolve(".codex"));
        String provider = "model_providers.nightshift={name=\"nightshift\",base_url=\"" + api.baseUri() + "/v1\","
                + "env_key=\"NIGHTSHIFT_MODEL_TOKEN\",wire_api=\"responses\"" + providerExtra + "}";
        return run(List.of(codex.toString(), "exec", "--json", "--skip-git-repo-check", "--ephemeral",
                "--dangerously-bypass-approvals-and-sandbox", "--color", "never",
                "-c", "model_provider=nightshift", "-c", provider,
                "-c", "analytics.enabled=false", "-c", "features.plugins=false",
                "--", "say hi"), Map.of(
                "NIGHTSHIFT_MODEL_TOKEN", TOKEN,
                "CODEX_HOME", codexHome.toString()));
    }

    /** Runs the CLI in the temporary home with only PATH and the given variables (no proxy, no real key). */
    private Run run(List<String> command, Map<String, String> variables) throws Exception {
        Path work = Files.createDirectories(home.resolve("work"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(home.resolve("stderr").toFile())
                .redirectOutput(home.resolve("stdout").toFile());
        Map<String, String> environment = builder.environment();
        String path = environment.get("PATH");
        environment.clear();
        environment.put("PATH", path);
        environment.put("HOME", home.toString());
        environment.putAll(variables);
        Process process = builder.start();
        if (!process.waitFor(WALL_TIME.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(command.getFirst() + " still running after " + WALL_TIME + "; stdout:\n"
                    + Files.readString(home.resolve("stdout")));
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(home.resolve("stdout"), StandardCharsets.UTF_8)) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return new Run(process.exitValue(), lines);
    }

    /** The calls to the model, without claude's HEAD / warm-up. */
    static List<StandInModelApi.Recorded> modelCalls(StandInModelApi api) {
        return api.requests().stream().filter(request -> request.method().equals("POST")).toList();
    }

    /** The CLI on PATH; skips the test without it, unless NIGHTSHIFT_REQUIRE_<NAME>_CLI=1. */
    static Path cli(String name) throws IOException {
        Optional<Path> binary = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, name))
                .filter(Files::isExecutable)
                .findFirst();
        String upper = name.toUpperCase(Locale.ROOT);
        if ("1".equals(System.getenv("NIGHTSHIFT_REQUIRE_" + upper + "_CLI"))) {
            assertThat(binary).as("the " + name + " CLI is required (NIGHTSHIFT_REQUIRE_" + upper + "_CLI=1)").isPresent();
        }
        assumeTrue(binary.isPresent(), name + " CLI not installed");
        return binary.orElseThrow();
    }
}
