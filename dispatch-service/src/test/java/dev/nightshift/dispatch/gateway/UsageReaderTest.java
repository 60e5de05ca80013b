package dev.nightshift.dispatch.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import dev.nightshift.dispatch.agent.AgentSignal;
import org.junit.jupiter.api.Test;

/** Usage read from answers in the providers' own formats, fed in awkward pieces as they arrive from a network. */
class UsageReaderTest {

    private static Optional<AgentSignal.Usage> read(Provider provider, boolean streamed, String answer, int piece) {
        UsageReader reader = provider.usageReader(streamed);
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += piece) {
            reader.accept(bytes, i, Math.min(piece, bytes.length - i));
        }
        return reader.finish();
    }

    private static final String ANTHROPIC_STREAM = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"usage":{"input_tokens":1200,"cache_creation_input_tokens":300,"cache_read_input_tokens":5000,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: ping
            data: {"type": "ping"}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, \\"usage\\": {\\"output_tokens\\": 1}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":842}}

            event: message_stop
            data: {"type":"message_stop"}

            """;

    @Test
    void anthropicStreamsInputAtTheStartAndOutputAtTheEnd() {
        for (int piece : new int[] {1, 7, 100, 100_000}) {
            assertThat(read(Provider.ANTHROPIC, true, ANTHROPIC_STREAM, piece)).as("in pieces of " + piece)
                    .contains(new AgentSignal.Usage("claude-sonnet-4-5-20250929", "msg_01", 1200, 842, 300, 5000));
        }
        assertThat(read(Provider.ANTHROPIC, true, ANTHROPIC_STREAM.replace("\n", "\r\n"), 5)).as("with CRLF line ends")
                .contains(new AgentSignal.Usage("claude-sonnet-4-5-20250929", "msg_01", 1200, 842, 300, 5000));
    }

    @Test
    void anthropicsWholeMessage() {
        String json = """
                {"id":"msg_02","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"text","text":"hi"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":3}}""";

        assertThat(read(Provider.ANTHROPIC, false, json, 3)).contains(new AgentSignal.Usage("claude-haiku-4-5", "msg_02", 10, 3, 0, 0));
    }

    @Test
    void openAiResponsesGiveItAllWhenCompletedWithCachedTokensInsideTheInput() {
        String stream = """
                event: response.created
                data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","model":"gpt-5","status":"in_progress","usage":null}}

                event: response.output_text.delta
                data: {"type":"response.output_text.delta","sequence_number":4,"delta":"Hi"}

                event: response.completed
                data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","model":"gpt-5-2025-08-07","status":"completed","usage":{"input_tokens":9000,"input_tokens_details":{"cached_tokens":8000},"output_tokens":250,"output_tokens_details":{"reasoning_tokens":200},"total_tokens":9250}}}

                """;

        assertThat(read(Provider.OPENAI, true, stream, 11)).contains(new AgentSignal.Usage("gpt-5-2025-08-07", "resp_1", 1000, 250, 0, 8000));
    }

    @Test
    void openAiChatCompletionsUsage() {
        String json = """
                {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-5-mini","choices":[],
                 "usage":{"prompt_tokens":400,"completion_tokens":50,"total_tokens":450,"prompt_tokens_details":{"cached_tokens":100}}}""";

        assertThat(read(Provider.OPENAI, false, json, 1000)).contains(new AgentSignal.Usage("gpt-5-mini", "chatcmpl-1", 300, 50, 0, 100));
    }

    @Test
    void anAnswerWithoutUsageReadsAsNone() {
        assertThat(read(Provider.ANTHROPIC, true, "event: ping\ndata: {\"type\":\"ping\"}\n\n", 4)).isEmpty();
        assertThat(read(Provider.OPENAI, false, "<html>gateway error</html>", 4)).isEmpty();
        assertThat(read(Provider.OPENAI, true, "data: [DONE]\n\n", 4)).isEmpty();
    }

    @Test
    void anEventOverTheCapIsNotReadAndTheRestStillIs() {
        String huge = "data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"" + "x".repeat(UsageReader.MAX_EVENT) + "\"}}\n\n";

        assertThat(read(Provider.ANTHROPIC, true, huge + ANTHROPIC_STREAM, 1 << 20))
                .contains(new AgentSignal.Usage("claude-sonnet-4-5-20250929", "msg_01", 1200, 842, 300, 5000));
    }
}
