package dev.nightshift.ingest.todoist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.nightshift.ingest.webhook.WebhookRejected;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class TodoistDeliveryTest {

    /** The shape Todoist sends (unified API v1 webhooks), trimmed of nothing. */
    static final String ITEM_ADDED = """
            {"event_name":"item:added","user_id":"2671355","event_data":{"added_by_uid":"2671355","assigned_by_uid":null,
             "checked":false,"child_order":3,"collapsed":false,"content":"Write a post about Kafka","description":"Keep it short",
             "added_at":"2026-11-21T10:00:00.000000Z","completed_at":null,"due":null,"deadline":null,"duration":null,
             "id":"6X7rM8997g3RQmvh","is_deleted":false,"labels":["writing"],"parent_id":null,"priority":1,
             "project_id":"6Jf8VQXxpwv56VQ7","responsible_uid":null,"section_id":null,"updated_at":"2026-11-21T10:00:00Z",
             "user_id":"2671355"},"initiator":{"email":"alice@example.com","full_name":"Alice","id":"2671355",
             "image_id":null,"is_premium":true},"triggered_at":"2026-11-21T10:00:00.000000Z","version":"10"}""";

    @Test
    void readsAnItemAddedDelivery() {
        TodoistDelivery d = TodoistDelivery.parse(ITEM_ADDED.getBytes(StandardCharsets.UTF_8));

        assertThat(d.eventName()).isEqualTo("item:added");
        assertThat(d.item()).isEqualTo(new TodoistDelivery.Item("6X7rM8997g3RQmvh", "6Jf8VQXxpwv56VQ7",
                "Write a post about Kafka", "Keep it short", List.of("writing")));
    }

    @Test
    void refusesWhatIsNotAWebhook() {
        assertMalformed("not json", "not a Todoist webhook");
        assertMalformed("{\"user_id\":\"1\"}", "no event_name");
        assertMalformed("[]", "not a Todoist webhook");
    }

    @Test
    void refusesAnItemWithoutWhatRoutingNeeds() {
        TodoistDelivery d = TodoistDelivery.parse("{\"event_name\":\"item:added\",\"event_data\":{\"id\":\"1\"}}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(d::item).isInstanceOf(WebhookRejected.class).hasMessageContaining("event_data.project_id");
    }

    private static void assertMalformed(String body, String message) {
        assertThatThrownBy(() -> TodoistDelivery.parse(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(WebhookRejected.class, e -> assertThat(e.status()).isEqualTo(HttpStatus.BAD_REQUEST))
                .hasMessageContaining(message);
    }
}
