package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class StandInModelApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One server-sent event: its name and its data as JSON. */
    private record Event(String name, JsonNode data) {
    }

    @Test
    void anthropicAnswersAMessageInJsonWithTheUsageItWasTold() throws Exception {
        try (StandInModelApi api = StandInModelApi.anthropic("key-1")) {
            api.usage(100, 20, 30, 40);
            api.answer("Hello there.");

            HttpResponse<String> response = post(api, "/v1/messages", "x-api-key", "key-1",
                    "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
            JsonNode message = JSON.readTree(response.body());
            assertThat(message.path("type").asString()).isEqualTo("message");
            assertThat(message.path("model").asString()).isEqualTo("claude-sonnet-4-5-20250929");
            assertThat(message.path("stop_reason").asString()).isEqualTo("end_turn");
            assertThat(message.path("content").get(0).path("text").asString()).isEqualTo("Hello there.");
            assertThat(usage(message.path("usage"))).containsExactly(100L, 30L, 40L, 20L);
        }
    }

    @Test
    void anthropicStreamsTheRealEventSequenceWithOutputTokensInMessageDelta() throws Exception {
        try (StandInModelApi api = StandInModelApi.anthropic("oauth-token")) {
            api.usage(7, 9, 3, 2);
            api.model("claude-opus-4-1");

            HttpResponse<String> response = post(api, "/v1/messages?beta=true", "authorization", "Bearer oauth-token",
                    "{\"model\":\"claude-opus-4-1\",\"stream\":true,\"messages\":[]}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/event-stream"));
            List<Event> events = events(response.body());
            assertThat(events).extracting(Event::name).containsExactly("message_start", "content_block_start", "ping",
                    "content_block_delta", "content_block_stop", "message_delta", "message_stop");
            events.forEach(event -> assertThat(event.data().path("type").asString()).isEqualTo(event.name()));
            JsonNode started = events.getFirst().data().path("message");
            assertThat(started.path("model").asString()).isEqualTo("claude-opus-4-1");
            assertThat(usage(started.path("usage"))).containsExactly(7L, 3L, 2L, 1L);
            assertThat(events.get(3).data().path("delta").path("text").asString()).isEqualTo("Hi.");
            assertThat(events.get(5).data().path("delta").path("stop_reason").asString()).isEqualTo("end_turn");
            assertThat(events.get(5).data().path("usage").path("output_tokens").asLong()).isEqualTo(9);
            assertThat(api.requests()).singleElement().satisfies(request -> {
                assertThat(request.path()).isEqualTo("/v1/messages?beta=true");
                assertThat(request.header("Authorization")).hasValue("Bearer oauth-token");
                assertThat(request.body()).contains("\"stream\":true");
            });
        }
    }

    @Test
    void anthropicCountsTokens() throws Exception {
        try (StandInModelApi api = StandInModelApi.anthropic("k")) {
            api.usage(321, 1, 0, 0);

            HttpResponse<String> response = post(api, "/v1/messages/count_tokens", "x-api-key", "k", "{\"messages\":[]}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).path("input_tokens").asLong()).isEqualTo(321);
        }
    }

    @Test
    void anthropicRefusesAWrongKeyWithItsAuthenticationError() throws Exception {
        try (StandInModelApi api = StandInModelApi.anthropic("right")) {
            for (String[] credential : List.of(new String[] {"x-api-key", "wrong"},
                    new String[] {"authorization", "Bearer wrong"}, new String[] {"x-api-key", "Bearer right"},
                    new String[] {"x-other", "right"})) {
                HttpResponse<String> response = post(api, "/v1/messages", credential[0], credential[1], "{}");

                assertThat(response.statusCode()).isEqualTo(401);
                JsonNode error = JSON.readTree(response.body());
                assertThat(error.path("type").asString()).isEqualTo("error");
                assertThat(error.path("error").path("type").asString()).isEqualTo("authentication_error");
                assertThat(error.path("error").path("message").asString()).isNotBlank();
            }
        }
    }

    @Test
    void openaiAnswersAResponseInJsonWithTheUsageItWasTold() throws Exception {
        try (StandInModelApi api = StandInModelApi.openai("sk-1")) {
            api.usage(50, 8, 0, 16);
            api.answer("Done.");

            HttpResponse<String> response = post(api, "/v1/responses", "authorization", "Bearer sk-1",
                    "{\"model\":\"gpt-5\",\"input\":\"hi\"}");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("object").asString()).isEqualTo("response");
            assertThat(body.path("status").asString()).isEqualTo("completed");
            assertThat(body.path("model").asString()).isEqualTo("gpt-5");
            assertThat(body.path("output").get(0).path("content").get(0).path("text").asString()).isEqualTo("Done.");
            assertOpenaiUsage(body.path("usage"), 50, 16, 8);
        }
    }

    @Test
    void openaiStreamsTheResponsesEventsWithUsageInResponseCompleted() throws Exception {
        try (StandInModelApi api = StandInModelApi.openai("sk-2")) {
            api.usage(60, 11, 0, 4);
            api.model("gpt-5-codex");

            HttpResponse<String> response = post(api, "/v1/responses", "authorization", "Bearer sk-2",
                    "{\"model\":\"gpt-5-codex\",\"stream\":true,\"input\":[]}");

            assertThat(response.statusCode()).isEqualTo(200);
            List<Event> events = events(response.body());
            assertThat(events).extracting(Event::name).containsExactly("response.created", "response.in_progress",
                    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                    "response.output_text.done", "response.content_part.done", "response.output_item.done",
                    "response.completed");
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i).data().path("type").asString()).isEqualTo(events.get(i).name());
                assertThat(events.get(i).data().path("sequence_number").asInt()).isEqualTo(i);
            }
            JsonNode completed = events.getLast().data().path("response");
            assertThat(completed.path("status").asString()).isEqualTo("completed");
            assertThat(completed.path("model").asString()).isEqualTo("gpt-5-codex");
            assertThat(completed.path("id").asString()).isEqualTo(events.getFirst().data().path("response").path("id").asString());
            assertOpenaiUsage(completed.path("usage"), 60, 4, 11);
            assertThat(events.get(7).data().path("item").path("content").get(0).path("text").asString()).isEqualTo("Hi.");
        }
    }

    @Test
    void openaiRefusesAWrongKeyWithItsInvalidApiKeyError() throws Exception {
        try (StandInModelApi api = StandInModelApi.openai("sk-right")) {
            for (String[] credential : List.of(new String[] {"authorization", "Bearer sk-wrong"},
                    new String[] {"x-api-key", "sk-right"})) {
                HttpResponse<String> response = post(api, "/v1/responses", credential[0], credential[1], "{}");

                assertThat(response.statusCode()).isEqualTo(401);
                JsonNode error = JSON.readTree(response.body()).path("error");
                assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
                assertThat(error.path("code").asString()).isEqualTo("invalid_api_key");
                assertThat(error.path("message").asString()).isNotBlank();
            }
        }
    }

    @Test
    void refusesAsToldUntilRecoveredAndRecordsEveryRequest() throws Exception {
        try (StandInModelApi api = StandInModelApi.openai("sk")) {
            String quota = "{\"error\":{\"message\":\"over quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
            api.refuse(429, quota, java.util.Map.of("retry-after", "0"));

            HttpResponse<String> refused = post(api, "/v1/responses", "authorization", "Bearer sk", "{}");
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.body()).isEqualTo(quota);
            assertThat(refused.headers().firstValue("retry-after")).hasValue("0");

            api.recover();
            assertThat(post(api, "/v1/responses", "authorization", "Bearer sk", "{}").statusCode()).isEqualTo(200);
            assertThat(post(api, "/v1/models", "authorization", "Bearer sk", "{}").statusCode()).isEqualTo(404);
            assertThat(api.requests()).extracting(StandInModelApi.Recorded::path)
                    .containsExactly("/v1/responses", "/v1/responses", "/v1/models");
        }
    }

    @Test
    void delaysTheFirstByteAsTold() throws Exception {
        try (StandInModelApi api = StandInModelApi.anthropic("k")) {
            api.delayFirstByte(Duration.ofMillis(300));

            long start = System.nanoTime();
            HttpResponse<String> response = post(api, "/v1/messages", "x-api-key", "k", "{\"stream\":true}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    private static HttpResponse<String> post(StandInModelApi api, String path, String header, String value, String body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(api.baseUri() + path))
                .header(header, value)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Parses {@code event: X\ndata: {...}\n\n} blocks; every data line must be JSON. */
    private static List<Event> events(String stream) {
        List<Event> events = new ArrayList<>();
        for (String block : stream.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.split("\n");
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            events.add(new Event(lines[0].substring("event: ".length()), JSON.readTree(lines[1].substring("data: ".length()))));
        }
        return events;
    }

    /** input, cache write, cache read, output. */
    private static List<Long> usage(JsonNode usage) {
        return List.of(usage.path("input_tokens").asLong(), usage.path("cache_creation_input_tokens").asLong(),
                usage.path("cache_read_input_tokens").asLong(), usage.path("output_tokens").asLong());
    }

    private static void assertOpenaiUsage(JsonNode usage, long input, long cached, long output) {
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(input);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(cached);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(output);
        assertThat(usage.path("output_tokens_details").path("reasoning_tokens").asLong()).isZero();
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(input + output);
    }
}
