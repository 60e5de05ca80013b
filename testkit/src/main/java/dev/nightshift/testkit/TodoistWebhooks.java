package dev.nightshift.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;


/** Todoist webhook deliveries in Todoist's real format, signed as Todoist signs them. */
public final class TodoistWebhooks {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TodoistWebhooks() {
    }

    public static String itemAdded(String taskId, String projectId, String content) {
        return event("item:added", taskId, projectId, content);
    }

    public static String event(String eventName, String taskId, String projectId, String content) {
        return """
                {"event_name":"%s","user_id":"2671355","event_data":{"added_by_uid":"2671355","assigned_by_uid":null,\
                "checked":false,"child_order":3,"collapsed":false,"content":"%s","description":"",\
                "added_at":"2026-11-21T10:00:00.000000Z","completed_at":null,"due":null,"deadline":null,"duration":null,\
                "id":"%s","is_deleted":false,"labels":["writing"],"parent_id":null,"priority":1,\
                "project_id":"%s","responsible_uid":null,"section_id":null,"updated_at":"2026-11-21T10:00:00Z",\
                "user_id":"2671355"},"initiator":{"email":"alice@example.com","full_name":"Alice","id":"2671355",\
                "image_id":null,"is_premium":true},"triggered_at":"2026-11-21T10:00:00.000000Z","version":"10"}"""
                .formatted(eventName, content, taskId, projectId);
    }

    public static HttpResponse<String> send(String url, String body, String secret, String deliveryId) throws IOException, InterruptedException {
        return sendSigned(url, body, HmacSha256.base64(body, secret), deliveryId);
    }

    public static HttpResponse<String> sendSigned(String url, String body, String signature, String deliveryId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("User-Agent", "Todoist-Webhooks")
                .header("X-Todoist-Delivery-ID", deliveryId)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("X-Todoist-Hmac-SHA256", signature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
