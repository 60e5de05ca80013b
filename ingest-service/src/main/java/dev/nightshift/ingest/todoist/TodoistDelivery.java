package dev.nightshift.ingest.todoist;

import java.util.List;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;
import dev.nightshift.ingest.webhook.WebhookRejected;

/** The parts of a Todoist webhook body Nightshift reads; the rest is ignored. */
public record TodoistDelivery(String eventName, String userId, JsonNode eventData, String triggeredAt, Initiator initiator) {

    /** The user whose action sent the event. */
    public record Initiator(String id) {
    }

    /** Who asked: the initiator, else the user the webhook is for. */
    public String author() {
        return initiator != null && initiator.id() != null ? initiator.id() : userId;
    }

    private static final JsonMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** A task ({@code item}) as {@code item:*} events carry it. */
    public record Item(String id, String projectId, String content, String description, List<String> labels) {
    }

    public static TodoistDelivery parse(byte[] body) {
        TodoistDelivery delivery;
        try {
            delivery = JSON.readValue(body, TodoistDelivery.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("body is not a Todoist webhook: " + e.getOriginalMessage());
        }
        if (delivery == null || delivery.eventName() == null || delivery.eventName().isBlank()) {
            throw WebhookRejected.malformed("body has no event_name");
        }
        return delivery;
    }

    /** The task of an {@code item:*} event; 400 when it lacks what routing needs. */
    public Item item() {
        Item item;
        try {
            item = eventData == null || !eventData.isObject() ? null : JSON.treeToValue(eventData, Item.class);
        } catch (JacksonException e) {
            throw WebhookRejected.malformed("event_data is not a Todoist task: " + e.getOriginalMessage());
        }
        if (item == null || blank(item.id()) || blank(item.projectId()) || item.content() == null) {
            throw WebhookRejected.malformed(eventName + " needs event_data.id, event_data.project_id and event_data.content");
        }
        return item;
    }

    /** A task as Todoist's REST API lists it: the same fields as in events. */
    static Item restTask(JsonNode task) {
        return JSON.treeToValue(task, Item.class);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
