package dev.nightshift.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import dev.nightshift.ingest.api.ApiProperties;
import dev.nightshift.ingest.github.GitHubProperties;
import dev.nightshift.ingest.linear.LinearProperties;
import dev.nightshift.ingest.todoist.TodoistProperties;
import org.junit.jupiter.api.Test;

/** A secret every reader of the examples knows stops ingest, naming the setting and its variable; unset stays allowed. */
class PlaceholderWebhookSecretsTest {

    private static final URI BASE = URI.create("http://127.0.0.1:1");

    @Test
    void everySourcesSecretRefusesAPlaceholder() {
        assertThatThrownBy(() -> new TodoistProperties("local-dev-secret", BASE, null, null))
                .hasMessageStartingWith("nightshift.ingest.todoist.client-secret (TODOIST_CLIENT_SECRET) is a well-known placeholder");
        assertThatThrownBy(() -> new GitHubProperties("change-me", List.of(), List.of(), BASE, null, null))
                .hasMessageStartingWith("nightshift.ingest.github.webhook-secret (GITHUB_WEBHOOK_SECRET) is a well-known placeholder");
        assertThatThrownBy(() -> new LinearProperties("CHANGE_ME", Duration.ofSeconds(60), List.of(), BASE, null, null))
                .hasMessageStartingWith("nightshift.ingest.linear.webhook-secret (LINEAR_WEBHOOK_SECRET) is a well-known placeholder");
        assertThatThrownBy(() -> new ApiProperties("changeme"))
                .hasMessageStartingWith("nightshift.ingest.api.token (NIGHTSHIFT_API_TOKEN) is a well-known placeholder");
    }

    @Test
    void unsetAndRealSecretsPass() {
        assertThat(new TodoistProperties(null, BASE, null, null).clientSecret()).isNull();
        assertThat(new GitHubProperties("", List.of(), List.of(), BASE, null, null).webhookSecret()).isEmpty();
        assertThat(new LinearProperties("lin_wh_k3J9xq2vLr8s0Pz", Duration.ofSeconds(60), List.of(), BASE, null, null).webhookSecret()).isNotNull();
        assertThat(new ApiProperties(null).enabled()).isFalse();
    }
}
