package dev.nightshift.ingest.todoist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class TodoistSignatureTest {

    private static final byte[] BODY = "{\"event_name\":\"item:added\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void matchesAKnownVector() {
        // computed independently: printf '%s' BODY | openssl dgst -sha256 -hmac secret -binary | base64
        assertThat(TodoistSignature.sign(BODY, "secret")).isEqualTo("ZOpvIBYXEAH7Y45j4o34USELpH/5pJuWMz5HcTL0hGc=");
    }

    @Test
    void acceptsTheRightSignatureOnly() {
        String good = TodoistSignature.sign(BODY, "secret");
        assertThat(TodoistSignature.verify(BODY, good, "secret")).isTrue();
        assertThat(TodoistSignature.verify(BODY, good, "other-secret")).isFalse();
        assertThat(TodoistSignature.verify("{\"event_name\":\"item:added\" }".getBytes(StandardCharsets.UTF_8), good, "secret")).isFalse();
        assertThat(TodoistSignature.verify(BODY, null, "secret")).isFalse();
        assertThat(TodoistSignature.verify(BODY, "", "secret")).isFalse();
        assertThat(TodoistSignature.verify(BODY, "not base64 at all", "secret")).isFalse();
    }
}
